/**
 * Reading stored import files for the contacts module (its ImportFileReader port): workbooks and big CSV
 * files are read on reader threads with a heap of their own, each workbook read in a private temp folder
 * removed whatever happens to the read.
 */
import type { FileStore } from '../../kernel/file-store';
import type { ImportFileReader } from '../../modules/contacts';
import { localFile } from './local-file';
import { inspectWorkbookInThread, readBatchesInThread, readerFolder } from './read-in-thread';

export { readerThreadStats } from './read-in-thread';

export function createImportFileReader(files: FileStore): ImportFileReader {
  return {
    async inspectWorkbook(key, limits, count) {
      const folder = await readerFolder();
      try {
        const path = await localFile(files, key, folder.dir);
        if (!path) return null;
        return await inspectWorkbookInThread(path, limits, count, folder.dir);
      } finally {
        await folder.remove();
      }
    },

    async readBatches(key, read) {
      if (read.format === 'csv') {
        // The reader thread opens the file itself: only a file on this machine's disk will do.
        const path = (await files.localPath?.(key)) ?? null;
        if (!path) return null;
        const events = readBatchesInThread({ job: 'batches', path, ...read });
        return { events, close: async () => void (await events.return(undefined)) };
      }
      // A workbook also gets a private temp folder, removed whatever happens to the read.
      const folder = await readerFolder();
      try {
        const path = await localFile(files, key, folder.dir);
        if (!path) {
          await folder.remove();
          return null;
        }
        const events = readBatchesInThread({ job: 'batches', path, ...read }, folder.dir);
        return {
          events,
          // Ends the reader (and its thread) when the read stopped early, before its folder goes.
          close: async () => {
            await events.return(undefined);
            await folder.remove();
          },
        };
      } catch (error) {
        await folder.remove();
        throw error;
      }
    },
  };
}
