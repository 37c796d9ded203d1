/** How a reader gets at an import file on this machine's disk: its bytes, or a workbook's rows. */
import { createReadStream } from 'node:fs';
import type { ReaderSources } from '../../modules/contacts';
import { inspectWorkbook, xlsxRows } from './xlsx-source';

export const readerSources: ReaderSources = {
  open: (path) => createReadStream(path),
  xlsxRows,
  inspectWorkbook,
};
