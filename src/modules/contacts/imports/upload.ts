/**
 * Uploads into imports: an upload streamed into the FileStore, its preview (format, headers, sample rows,
 * guessed mapping), and the checks (content, encoding, zip bomb, header row, mapping, group) that turn it
 * into a queued import, or drop it.
 */
import type { Readable } from 'node:stream';
import { AppError, type FieldError, isAppError } from '../../../kernel/errors';
import type { ImportsTable } from '../../../storage/schema-imports';
import type { ClientActor } from '../../accounts';
import { auditActorOf } from '../../audit';
import { fieldTypesOf } from '../contact-store';
import type { FieldType } from '../fields';
import { csvHead, type SourceRow } from './csv-source';
import {
  type CreateImportOptions,
  type ImportDetail,
  type ImportPreview,
  type ImportsContext,
  importView,
  type UploadedFile,
} from './import-context';
import { customFieldOf, guessMapping, type ImportMapping, isImportTarget } from './mapping';
import { headerNames } from './row-batches';
import { detectDelimiter, type FileKind, scanCsv, sniffHead } from './sniff';

/** Columns a header row may have (Excel's own limit): more is not a contact list. */
const MAX_COLUMNS = 16_384;

interface Inspection {
  format: FileKind;
  delimiter: string | null;
  headers: string[];
  sample: string[][];
  /** CSV: lines after the header (an upper bound of data rows). */
  totalEstimate: number | null;
}

async function firstBytes(stream: Readable, size: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of stream) {
      parts.push(chunk as Buffer);
      n += (chunk as Buffer).length;
      if (n >= size) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, size);
}

export function createUpload(ctx: ImportsContext) {
  const { db, clock, ids, audit, files, importFiles, xlsxLimits } = ctx;

  function fieldLabels(accountId: string) {
    return db
      .selectFrom('contact_fields')
      .select(['key', 'label'])
      .where('account_id', '=', accountId)
      .execute();
  }

  async function open(key: string): Promise<Readable> {
    const stream = await files.get(key);
    if (!stream) throw new AppError('not_found', 'The uploaded file is no longer stored.');
    return stream;
  }

  /** Content sniffing, encoding and zip-bomb checks, header row and a sample; reads the stored file. */
  async function inspect(key: string): Promise<Inspection> {
    const kind = sniffHead(await firstBytes(await open(key), 4096));
    let delimiter: string | null = null;
    let totalEstimate: number | null = null;
    let head: SourceRow[];
    try {
      if (kind === 'csv') {
        const scan = await scanCsv(await open(key));
        const text = (await firstBytes(await open(key), 64 * 1024)).toString('utf8').replace(/^\uFEFF/, '');
        delimiter = detectDelimiter(text);
        head = await csvHead(await open(key), delimiter, 6);
        totalEstimate = Math.max(0, scan.lines - 1);
      } else {
        // Read on a thread with a heap of its own: a workbook built to exhaust memory only exhausts that.
        const rows = await importFiles.inspectWorkbook(key, xlsxLimits, 6);
        if (!rows) throw new AppError('not_found', 'The uploaded file is no longer stored.');
        head = rows;
      }
    } catch (error) {
      if (isAppError(error)) throw error;
      throw new AppError(
        'unsupported_import_file',
        `The ${kind === 'csv' ? 'CSV' : 'XLSX'} file could not be read: ${(error as Error).message}`,
      );
    }
    const first = head[0];
    if (!first || !('cells' in first)) {
      throw new AppError('unsupported_import_file', 'The file has no header row.');
    }
    if (first.cells.length > MAX_COLUMNS) {
      throw new AppError(
        'validation_failed',
        `The header row has ${first.cells.length} columns; a contact list has at most ${MAX_COLUMNS}.`,
      );
    }
    const sample = head.slice(1).map((r) => ('cells' in r ? r.cells : []));
    return { format: kind, delimiter, headers: headerNames(first.cells), sample, totalEstimate };
  }

  function checkMapping(
    raw: unknown,
    headers: string[],
    defs: ReadonlyMap<string, FieldType>,
  ): ImportMapping {
    let mapping = raw;
    if (typeof raw === 'string') {
      try {
        mapping = JSON.parse(raw);
      } catch {
        throw new AppError('validation_failed', 'The mapping is not valid JSON.', {
          errors: [{ path: '/body/mapping', message: 'not valid JSON' }],
        });
      }
    }
    if (typeof mapping !== 'object' || mapping === null || Array.isArray(mapping)) {
      throw new AppError('validation_failed', 'The mapping must be a JSON object of column → target.', {
        errors: [{ path: '/body/mapping', message: 'must be an object' }],
      });
    }
    const errors: FieldError[] = [];
    const out: ImportMapping = {};
    const used = new Map<string, string>();
    for (const [header, target] of Object.entries(mapping as Record<string, unknown>)) {
      const path = `/body/mapping/${header}`;
      if (target === null || target === '' || target === 'ignore') continue;
      if (!headers.includes(header)) {
        errors.push({ path, message: `no column "${header}" in the file (columns: ${headers.join(', ')})` });
        continue;
      }
      if (!isImportTarget(target)) {
        errors.push({
          path,
          message: 'target must be phone, firstName, lastName, email, country, address, tags or fields.<key>',
        });
        continue;
      }
      const key = customFieldOf(target);
      if (key && !defs.has(key)) {
        errors.push({ path, message: `no custom field "${key}"; define it with POST /v1/contact-fields` });
        continue;
      }
      const other = used.get(target);
      if (other) {
        errors.push({ path, message: `column "${other}" is already mapped to ${target}` });
        continue;
      }
      used.set(target, header);
      out[header] = target;
    }
    if (errors.length === 0 && !used.has('phone')) {
      errors.push({ path: '/body/mapping', message: 'no column is mapped to phone' });
    }
    if (errors.length > 0) {
      throw new AppError('validation_failed', 'The column mapping does not fit the file.', { errors });
    }
    return out;
  }

  /**
   * Streams an upload into the FileStore under a new import id (nothing is buffered whole). The caller
   * turns it into an import with `create` or drops it with `discard`.
   */
  async function receive(_actor: ClientActor, body: Readable, fileName: string): Promise<UploadedFile> {
    const id = ids('imp');
    const key = `imports/${id}`;
    const { bytes } = await files.put(key, body);
    return { id, key, bytes, fileName: fileName.slice(0, 255) || 'upload' };
  }

  return {
    receive,

    async discard(upload: UploadedFile): Promise<void> {
      await files.delete(upload.key);
    },

    /**
     * What a received upload holds, for the column-mapping step: format, delimiter, headers, the first
     * rows and the guessed mapping. The file is deleted afterwards: a preview stores nothing.
     */
    async previewStored(actor: ClientActor, upload: UploadedFile): Promise<ImportPreview> {
      try {
        const found = await inspect(upload.key);
        const fields = await fieldLabels(actor.accountId);
        return {
          format: found.format,
          delimiter: found.delimiter,
          headers: found.headers,
          sampleRows: found.sample.slice(0, 5),
          guessedMapping: guessMapping(found.headers, fields),
          ...(found.totalEstimate !== null ? { totalEstimate: found.totalEstimate } : {}),
        };
      } finally {
        await files.delete(upload.key);
      }
    },

    /**
     * Checks the stored upload (content, encoding, zip bomb, header row, mapping, group) and queues the
     * import. On any refusal the stored file is deleted and nothing is recorded.
     */
    async create(
      actor: ClientActor,
      upload: UploadedFile,
      options: CreateImportOptions,
    ): Promise<ImportDetail> {
      const accountId = actor.accountId;
      try {
        const found = await inspect(upload.key);
        const defs = await fieldTypesOf(db, accountId);
        const mapping =
          options.mapping === undefined || options.mapping === ''
            ? guessMapping(found.headers, await fieldLabels(accountId))
            : checkMapping(options.mapping, found.headers, defs);
        if (!Object.values(mapping).includes('phone')) {
          throw new AppError(
            'validation_failed',
            `No column looks like a phone number (columns: ${found.headers.join(', ')}); send a mapping.`,
            { errors: [{ path: '/body/mapping', message: 'no column is mapped to phone' }] },
          );
        }
        if (options.groupId) {
          const group = await db
            .selectFrom('contact_groups')
            .select('id')
            .where('id', '=', options.groupId)
            .where('account_id', '=', accountId)
            .executeTakeFirst();
          if (!group) {
            throw new AppError('not_found', 'No such group.', {
              errors: [{ path: '/body/groupId', message: 'no such group' }],
            });
          }
        }
        const now = clock.now();
        const row: ImportsTable = {
          id: upload.id,
          account_id: accountId,
          status: 'queued',
          file_key: upload.key,
          file_name: upload.fileName,
          bytes: upload.bytes,
          format: found.format,
          delimiter: found.delimiter,
          mapping: JSON.stringify(mapping),
          group_id: options.groupId ?? null,
          on_duplicate: options.onDuplicate ?? 'skip',
          create_groups: options.createGroups ? 1 : 0,
          total: found.totalEstimate,
          processed: 0,
          imported: 0,
          updated: 0,
          skipped: 0,
          failed: 0,
          warned: 0,
          headers: JSON.stringify(found.headers),
          error: null,
          cancel_requested: 0,
          lease_until: 0,
          created_by: actor.id,
          created_at: now,
          started_at: null,
          finished_at: null,
          original_deleted_at: null,
        };
        await db.transaction().execute(async (tx) => {
          await tx.insertInto('imports').values(row).execute();
          await audit.record(tx, {
            accountId,
            actor: auditActorOf(actor),
            action: 'import.created',
            target: { type: 'import', id: row.id },
            // Sizes and column targets only: the file name and the data may be personal.
            data: {
              format: row.format,
              bytes: row.bytes,
              targets: Object.values(mapping),
              groupId: row.group_id,
              onDuplicate: row.on_duplicate,
              createGroups: options.createGroups === true,
            },
          });
        });
        return { ...importView(row), errors: [], warnings: [] };
      } catch (error) {
        await files.delete(upload.key);
        throw error;
      }
    },
  };
}
