import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CompiledQuery, sql } from 'kysely';
import { AppError, type FieldError, isAppError } from '../../../kernel/errors';
import type { FileStore } from '../../../kernel/file-store';
import { chunks } from '../../../storage/chunk';
import type { DbOrTx, Storage, Tx } from '../../../storage/database';
import type { ContactsTable } from '../../../storage/schema-contacts';
import type { ImportStatus, ImportsTable } from '../../../storage/schema-imports';
import type { ClientActor } from '../../accounts';
import { auditActorOf } from '../../audit';
import { newContactRow, setSearchable } from '../contacts';
import { csvRow } from '../csv-safety';
import type { FieldType, FieldValue } from '../fields';
import { type ContactsDeps, defaultCountryOf, iso, isUniqueViolation } from '../shared';
import { csvHead, csvRows, type SourceRow } from './csv-source';
import { customFieldOf, guessMapping, type ImportMapping, isImportTarget } from './mapping';
import { inspectWorkbookInThread, readBatchesInThread, readerFolder } from './read-in-thread';
import { type BatchEvent, headerNames, type ReadPlan, type RowBatch, readBatches } from './row-batches';
import { detectDelimiter, type FileKind, scanCsv, sniffHead } from './sniff';
import type { XlsxLimits } from './xlsx-source';

/** Columns a header row may have (Excel's own limit): more is not a contact list. */
const MAX_COLUMNS = 16_384;
/** Import originals are deleted this long after the import finished (or was created, if it never ran). */
export const ORIGINAL_RETENTION_MS = 60 * 24 * 3600_000;
/** Errors shown inline by `GET /v1/imports/:id`; the CSV report has them all. */
export const INLINE_ERRORS = 100;

export interface ImportSettings {
  maxRows: number;
  /**
   * Zip-bomb defence: the most an XLSX file may declare, and the most the parts an import reads may
   * really inflate to, once unzipped.
   */
  maxUncompressedBytes: number;
  /** Shared strings a workbook may hold: the reader keeps them in its heap (READER_LIMITS). */
  maxSharedStrings: number;
  /** Bytes a workbook's shared strings part may inflate to. */
  maxSharedStringBytes: number;
  /** Data rows validated and written per transaction (the checkpoint and cancel granularity). */
  batchSize: number;
  /** How long a worker owns a running import without checkpointing before another may resume it. */
  leaseMs: number;
  /** CSV files of at least this many bytes are parsed and checked on a worker thread. */
  threadMinBytes: number;
}

export const DEFAULT_IMPORT_SETTINGS: ImportSettings = {
  maxRows: 2_000_000,
  // Sheets are streamed, so this bounds time and work rather than memory; larger lists go as CSV.
  maxUncompressedBytes: 128 * 1024 * 1024,
  // With these the shared strings take at most ≈ 100 MB of the reader's 160 MB heap.
  maxSharedStrings: 1_000_000,
  maxSharedStringBytes: 48 * 1024 * 1024,
  batchSize: 5000,
  leaseMs: 5 * 60_000,
  // Below this, starting the thread costs more than it saves.
  threadMinBytes: 4 * 1024 * 1024,
};

export interface ImportsDeps extends ContactsDeps {
  files: FileStore;
  /**
   * How a batch is committed: without waiting for the disk (Storage.lazyTransaction). A batch and its
   * checkpoint commit or vanish together, so a crash only means reading those rows again.
   */
  lazyTransaction?: Storage['lazyTransaction'] | undefined;
  importSettings?: Partial<ImportSettings> | undefined;
}

export type OnDuplicate = 'update' | 'skip';

export interface ImportView {
  id: string;
  status: ImportStatus;
  fileName: string;
  format: FileKind;
  bytes: number;
  /** Data rows in the file: an estimate until the import finishes (null: not known yet). */
  total: number | null;
  processed: number;
  imported: number;
  updated: number;
  skipped: number;
  failed: number;
  /** Rows imported with a warning (something left out, e.g. an invalid e-mail). */
  warned: number;
  mapping: ImportMapping;
  groupId: string | null;
  onDuplicate: OnDuplicate;
  /** Groups named in a `groups` column that the account lacks are created (otherwise reported). */
  createGroups: boolean;
  cancelRequested: boolean;
  /** Why the import as a whole failed. */
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** When the uploaded original was deleted (60 days after the import). */
  originalDeletedAt: string | null;
}

/** A problem of a row as the report lists it. */
export interface ImportProblem {
  row: number;
  column: string | null;
  message: string;
}

export interface ImportDetail extends ImportView {
  /** The first {@link INLINE_ERRORS} problems of refused rows, by row; the full report is the errors CSV. */
  errors: ImportProblem[];
  /** The first {@link INLINE_ERRORS} warnings of imported rows, by row; all of them: the warnings CSV. */
  warnings: ImportProblem[];
}

export interface ImportPreview {
  format: FileKind;
  delimiter: string | null;
  headers: string[];
  sampleRows: string[][];
  guessedMapping: ImportMapping;
  totalEstimate?: number;
}

/** An uploaded file stored under its import's key, not yet an import. */
export interface UploadedFile {
  id: string;
  key: string;
  bytes: number;
  fileName: string;
}

export interface CreateImportOptions {
  mapping?: unknown;
  groupId?: string | undefined;
  onDuplicate?: OnDuplicate | undefined;
  createGroups?: boolean | undefined;
}

interface Inspection {
  format: FileKind;
  delimiter: string | null;
  headers: string[];
  sample: string[][];
  /** CSV: lines after the header (an upper bound of data rows). */
  totalEstimate: number | null;
}

const ACTIVE: ImportStatus[] = ['queued', 'running'];

function importView(row: ImportsTable): ImportView {
  return {
    id: row.id,
    status: row.status,
    fileName: row.file_name,
    format: row.format,
    bytes: Number(row.bytes),
    total: row.total === null ? null : Number(row.total),
    processed: Number(row.processed),
    imported: Number(row.imported),
    updated: Number(row.updated),
    skipped: Number(row.skipped),
    failed: Number(row.failed),
    warned: Number(row.warned),
    mapping: JSON.parse(row.mapping) as ImportMapping,
    groupId: row.group_id,
    onDuplicate: row.on_duplicate,
    createGroups: Number(row.create_groups) === 1,
    cancelRequested: Number(row.cancel_requested) === 1,
    error: row.error,
    createdAt: iso(row.created_at),
    startedAt: row.started_at === null ? null : iso(row.started_at),
    finishedAt: row.finished_at === null ? null : iso(row.finished_at),
    originalDeletedAt: row.original_deleted_at === null ? null : iso(row.original_deleted_at),
  };
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

/** The import stopped because another worker owns it now (this one was too slow and lost its lease). */
class LeaseLost extends Error {}

/**
 * Contact imports: a CSV or XLSX file is stored through the FileStore, checked (content, encoding,
 * zip bomb, mapping) when the import is created, then read in the background, streamed, in batches of
 * rows that are validated and written in one transaction each. `processed` is the checkpoint: a worker
 * that dies mid-import leaves a lease that expires, and the next run continues after the last batch.
 */
export function createImports(deps: ImportsDeps) {
  const { db, clock, ids, audit, files } = deps;
  const settings: ImportSettings = { ...DEFAULT_IMPORT_SETTINGS, ...deps.importSettings };
  const batchTransaction = deps.lazyTransaction ?? ((work) => db.transaction().execute(work));

  async function definitions(tx: DbOrTx, accountId: string): Promise<Map<string, FieldType>> {
    const rows = await tx
      .selectFrom('contact_fields')
      .select(['key', 'type'])
      .where('account_id', '=', accountId)
      .execute();
    return new Map(rows.map((r) => [r.key, r.type]));
  }

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

  const xlsxLimits: XlsxLimits = {
    maxInflatedBytes: settings.maxUncompressedBytes,
    maxSharedStrings: settings.maxSharedStrings,
    maxSharedStringBytes: settings.maxSharedStringBytes,
  };

  /**
   * The stored file as a path on this machine's disk, for a reader thread: where the store keeps it,
   * or else a copy in the read's private folder. Null when the file is no longer stored.
   */
  async function localFile(key: string, dir: string): Promise<string | null> {
    const local = files.localPath ? await files.localPath(key) : undefined;
    if (local !== undefined) return local;
    const stream = await files.get(key);
    if (!stream) return null;
    const copy = join(dir, 'upload');
    await pipeline(stream, createWriteStream(copy));
    return copy;
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
        const folder = await readerFolder();
        try {
          const path = await localFile(key, folder.dir);
          if (!path) throw new AppError('not_found', 'The uploaded file is no longer stored.');
          head = await inspectWorkbookInThread(path, xlsxLimits, 6, folder.dir);
        } finally {
          await folder.remove();
        }
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

  async function ownImport(tx: DbOrTx, accountId: string, id: string): Promise<ImportsTable> {
    const row = await tx
      .selectFrom('imports')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such import.');
    return row;
  }

  async function inlineProblems(importId: string, level: 'error' | 'warning'): Promise<ImportProblem[]> {
    const rows = await db
      .selectFrom('import_errors')
      .select(['row', 'column', 'message'])
      .where('import_id', '=', importId)
      .where('level', '=', level)
      .orderBy('row')
      .limit(INLINE_ERRORS)
      .execute();
    return rows.map((r) => ({ row: Number(r.row), column: r.column, message: r.message }));
  }

  // ── the worker side ────────────────────────────────────────────────────────────────────────────

  /**
   * Multi-row insert of contacts with its SQL compiled once per row count: building and compiling a
   * query of 18,000 values costs more than running it, a million rows at a time.
   */
  const insertSql = new Map<number, { text: string; columns: Array<keyof ContactsTable> }>();
  async function insertContacts(tx: Tx, rows: ContactsTable[]): Promise<void> {
    let compiled = insertSql.get(rows.length);
    if (!compiled) {
      compiled = {
        text: tx.insertInto('contacts').values(rows).compile().sql,
        columns: Object.keys(rows[0]!) as Array<keyof ContactsTable>,
      };
      if (insertSql.size < 64) insertSql.set(rows.length, compiled);
    }
    const params: unknown[] = [];
    for (const row of rows) for (const column of compiled.columns) params.push(row[column]);
    await tx.executeQuery(CompiledQuery.raw(compiled.text, params));
  }

  /**
   * Group memberships from the rows' `groups` column (names): `memberIds[i]` is the contact of
   * `batch.rows[i]`. A name the account lacks is created with `createGroups`, otherwise reported on the
   * row (the contact is imported without that group; the report line does not count as a failed row).
   */
  async function namedGroupMemberships(
    tx: Tx,
    imp: ImportsTable,
    batch: RowBatch,
    memberIds: string[],
    now: number,
  ): Promise<Array<{ group_id: string; contact_id: string; account_id: string; added_at: number }>> {
    const names = new Set<string>();
    for (const r of batch.rows) for (const g of r.groups) names.add(g);
    if (names.size === 0) return [];
    const accountId = imp.account_id;
    const byName = new Map<string, string>();
    for (const part of chunks([...names], 500)) {
      const found = await tx
        .selectFrom('contact_groups')
        .select(['id', 'name'])
        .where('account_id', '=', accountId)
        .where('name', 'in', part)
        .orderBy('id')
        .execute();
      // Names are not unique: the oldest group of a name is the one meant.
      for (const g of found) if (!byName.has(g.name)) byName.set(g.name, g.id);
    }
    const missing = [...names].filter((n) => !byName.has(n));
    if (missing.length > 0 && Number(imp.create_groups) === 1) {
      const created = missing.map((name) => ({
        id: ids('grp'),
        account_id: accountId,
        name,
        description: null,
        created_at: now,
        updated_at: now,
      }));
      for (const part of chunks(created, 500)) await tx.insertInto('contact_groups').values(part).execute();
      for (const g of created) {
        byName.set(g.name, g.id);
        await audit.record(tx, {
          accountId,
          actor: { type: 'system', id: null },
          action: 'group.created',
          target: { type: 'group', id: g.id },
          data: { importId: imp.id },
        });
      }
    }
    const mapping = JSON.parse(imp.mapping) as ImportMapping;
    const column = Object.keys(mapping).find((header) => mapping[header] === 'groups') ?? null;
    const rows: Array<{ group_id: string; contact_id: string; account_id: string; added_at: number }> = [];
    batch.rows.forEach((r, i) => {
      for (const name of r.groups) {
        const groupId = byName.get(name);
        if (groupId)
          rows.push({ group_id: groupId, contact_id: memberIds[i]!, account_id: accountId, added_at: now });
        else
          batch.errors.push({
            row: r.row,
            column,
            message: `no group named "${name}": the contact was imported without it (import with createGroups=true to create it)`,
            level: 'warning',
          });
      }
    });
    return rows;
  }

  /** Writes one batch and moves the checkpoint, in one transaction. Returns whether a cancel was asked. */
  async function commitBatch(imp: ImportsTable, lease: number, batch: RowBatch, nextLease: number) {
    const accountId = imp.account_id;
    const now = clock.now();
    return batchTransaction(async (tx) => {
      const state = await tx
        .selectFrom('imports')
        .select(['lease_until', 'cancel_requested', 'status'])
        .where('id', '=', imp.id)
        .executeTakeFirstOrThrow();
      if (Number(state.lease_until) !== lease || state.status !== 'running') throw new LeaseLost();

      const existing = new Map<
        string,
        Pick<ContactsTable, 'id' | 'fields' | 'tags' | 'first_name' | 'last_name'>
      >();
      for (const part of chunks(
        batch.rows.map((r) => r.phone),
        1000,
      )) {
        if (part.length === 0) continue;
        const found = await tx
          .selectFrom('contacts')
          .select(['id', 'phone', 'fields', 'tags', 'first_name', 'last_name'])
          .where('account_id', '=', accountId)
          .where('deleted_at', 'is', null)
          .where('phone', 'in', part)
          .execute();
        for (const f of found) existing.set(f.phone, f);
      }
      const inserts: ContactsTable[] = [];
      const tagRows: Array<{ account_id: string; contact_id: string; tag: string }> = [];
      const memberIds: string[] = [];
      let updated = 0;
      let skipped = 0;
      for (const r of batch.rows) {
        const current = existing.get(r.phone);
        if (!current) {
          const row = newContactRow({
            id: ids('ctc'),
            accountId,
            phone: r.phone,
            firstName: r.firstName,
            lastName: r.lastName,
            email: r.email,
            country: r.country,
            address: r.address,
            fields: r.fields,
            tags: r.tags,
            createdBy: imp.created_by,
            now,
          });
          inserts.push(row);
          for (const tag of r.tags) tagRows.push({ account_id: accountId, contact_id: row.id, tag });
          memberIds.push(row.id);
          continue;
        }
        memberIds.push(current.id);
        if (imp.on_duplicate === 'skip') {
          skipped++;
          continue;
        }
        // Update: cells with a value replace the stored one; empty cells leave it; fields merge; tags add up.
        const set: Partial<ContactsTable> = { updated_at: now };
        // An empty cell (null) keeps the stored value.
        setSearchable(
          set,
          {
            firstName: r.firstName ?? undefined,
            lastName: r.lastName ?? undefined,
            email: r.email ?? undefined,
          },
          current,
        );
        if (r.address !== null) set.address = r.address;
        if (r.country !== null) set.country = r.country;
        if (Object.keys(r.fields).length > 0) {
          set.fields = JSON.stringify(
            Object.assign(JSON.parse(current.fields) as Record<string, FieldValue>, r.fields),
          );
        }
        if (r.tags.length > 0) {
          const tags = JSON.parse(current.tags) as string[];
          const added = r.tags.filter((t) => !tags.includes(t));
          if (added.length > 0) {
            set.tags = JSON.stringify([...tags, ...added]);
            for (const tag of added) tagRows.push({ account_id: accountId, contact_id: current.id, tag });
          }
        }
        await tx.updateTable('contacts').set(set).where('id', '=', current.id).execute();
        updated++;
      }
      // 18 columns a row: 1000 rows stay far below SQLite's 32,766 bound parameters.
      for (const part of chunks(inserts, 1000)) await insertContacts(tx, part);
      for (const part of chunks(tagRows, 5000)) {
        await tx
          .insertInto('contact_tags')
          .values(part)
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      const memberships = await namedGroupMemberships(tx, imp, batch, memberIds, now);
      for (const part of chunks(memberships, 5000)) {
        await tx
          .insertInto('group_members')
          .values(part)
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      if (imp.group_id) {
        const groupId = imp.group_id;
        for (const part of chunks(memberIds, 5000)) {
          await tx
            .insertInto('group_members')
            .values(
              part.map((id) => ({ group_id: groupId, contact_id: id, account_id: accountId, added_at: now })),
            )
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
      }
      const warnedRows = new Set<number>();
      for (const e of batch.errors) if (e.level === 'warning') warnedRows.add(e.row);
      // 6 columns a row: far below SQLite's bound parameters.
      for (const part of chunks(batch.errors, 2000)) {
        await tx
          .insertInto('import_errors')
          .values(
            part.map((e) => ({
              import_id: imp.id,
              row: e.row,
              column: e.column,
              message: e.message,
              level: e.level ?? 'error',
              cells: e.cells ? JSON.stringify(e.cells) : null,
            })),
          )
          .execute();
      }
      await tx
        .updateTable('imports')
        .set({
          processed: sql`processed + ${batch.records}`,
          imported: sql`imported + ${inserts.length}`,
          updated: sql`updated + ${updated}`,
          skipped: sql`skipped + ${skipped}`,
          failed: sql`failed + ${batch.failed}`,
          warned: sql`warned + ${warnedRows.size}`,
          lease_until: nextLease,
        })
        .where('id', '=', imp.id)
        .execute();
      return Number(state.cancel_requested) === 1;
    });
  }

  async function finish(
    imp: ImportsTable,
    lease: number | null,
    status: Exclude<ImportStatus, 'queued' | 'running'>,
    extra: { total?: number; error?: string } = {},
  ): Promise<void> {
    await db.transaction().execute(async (tx) => {
      let q = tx
        .updateTable('imports')
        .set({
          status,
          finished_at: clock.now(),
          lease_until: 0,
          ...(extra.total !== undefined ? { total: extra.total } : {}),
          ...(extra.error !== undefined ? { error: extra.error } : {}),
        })
        .where('id', '=', imp.id)
        .where('status', 'in', ACTIVE);
      if (lease !== null) q = q.where('lease_until', '=', lease);
      const result = await q.executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return;
      const done = await tx
        .selectFrom('imports')
        .selectAll()
        .where('id', '=', imp.id)
        .executeTakeFirstOrThrow();
      await audit.record(tx, {
        accountId: imp.account_id,
        actor: { type: 'system', id: null },
        action: `import.${status}`,
        target: { type: 'import', id: imp.id },
        data: {
          total: done.total === null ? null : Number(done.total),
          processed: Number(done.processed),
          imported: Number(done.imported),
          updated: Number(done.updated),
          skipped: Number(done.skipped),
          failed: Number(done.failed),
        },
      });
    });
  }

  /**
   * Reads the file from the start (rows before the checkpoint are read again, to know the numbers earlier
   * rows took, but not written) and writes the rest in batches, each in its own transaction. Big files
   * are read on a worker thread, so that parsing the next batch overlaps writing this one.
   */
  async function process(
    imp: ImportsTable,
    claimedLease: number,
    maxBatches: number,
    batchSize: number,
  ): Promise<void> {
    let lease = claimedLease;
    const accountId = imp.account_id;
    if (imp.group_id) {
      const group = await db
        .selectFrom('contact_groups')
        .select('id')
        .where('id', '=', imp.group_id)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      if (!group) return finish(imp, lease, 'failed', { error: 'The target group was deleted.' });
    }
    const plan: ReadPlan = {
      mapping: JSON.parse(imp.mapping) as ImportMapping,
      definitions: [...(await definitions(db, accountId))],
      defaultCountry: await defaultCountryOf(db, accountId),
      checkpoint: Number(imp.processed),
      maxRows: settings.maxRows,
      batchSize,
      expectedRows: imp.total === null ? null : Number(imp.total),
    };
    // Big CSV files and every workbook are read on a thread with a heap of its own; a workbook also
    // gets a private temp folder, removed whatever happens to the read.
    const folder = imp.format === 'xlsx' ? await readerFolder() : null;
    let stream: Readable | null = null;
    let events: AsyncGenerator<BatchEvent> | null = null;
    try {
      if (folder) {
        const path = await localFile(imp.file_key, folder.dir);
        if (path) {
          events = readBatchesInThread(
            { job: 'batches', format: 'xlsx', path, limits: xlsxLimits, plan },
            folder.dir,
          );
        }
      } else {
        const path =
          Number(imp.bytes) >= settings.threadMinBytes
            ? ((await files.localPath?.(imp.file_key)) ?? null)
            : null;
        if (path) {
          events = readBatchesInThread({
            job: 'batches',
            format: 'csv',
            path,
            delimiter: imp.delimiter ?? ',',
            plan,
          });
        } else {
          // The reader thread opens the file itself; only this thread's reader needs a stream.
          stream = await files.get(imp.file_key);
          if (stream) events = readBatches(csvRows(stream, imp.delimiter ?? ','), plan);
        }
      }
    } catch (error) {
      await folder?.remove();
      throw error;
    }
    if (!events) {
      await folder?.remove();
      return finish(imp, lease, 'failed', { error: 'The uploaded file is no longer stored.' });
    }
    let batches = 0;

    /** Writes a batch; 'stop' when the import was cancelled or handed back. */
    const flush = async (batch: RowBatch): Promise<'go' | 'stop'> => {
      const next = clock.now() + settings.leaseMs;
      const cancel = await commitBatch(imp, lease, batch, next);
      lease = next;
      batches++;
      if (cancel) {
        await finish(imp, lease, 'cancelled');
        return 'stop';
      }
      if (batches >= maxBatches) {
        // Hand the import back (lease released): the next run continues after this batch.
        await db
          .updateTable('imports')
          .set({ lease_until: 0 })
          .where('id', '=', imp.id)
          .where('lease_until', '=', lease)
          .execute();
        return 'stop';
      }
      return 'go';
    };

    try {
      for await (const event of events) {
        if (event.type === 'batch') {
          if ((await flush(event.batch)) === 'stop') return;
        } else if (event.type === 'end') {
          return await finish(imp, lease, 'completed', { total: event.total });
        } else if (event.type === 'too_many') {
          return await finish(imp, lease, 'failed', {
            error: `The file has more than ${settings.maxRows} data rows; rows after line ${event.lastRow} were not imported.`,
          });
        } else {
          return await finish(imp, lease, 'failed', { error: event.message });
        }
      }
    } catch (error) {
      if (error instanceof LeaseLost) return;
      if (isUniqueViolation(error)) {
        // Someone added one of the batch's numbers between the lookup and the insert: the batch rolled
        // back; hand the import back so that the next run redoes it (the number is then found).
        await db
          .updateTable('imports')
          .set({ lease_until: 0 })
          .where('id', '=', imp.id)
          .where('lease_until', '=', lease)
          .execute();
        return;
      }
      const message = isAppError(error) ? error.message : `The import stopped: ${(error as Error).message}`;
      await finish(imp, lease, 'failed', { error: message });
    } finally {
      // Ends the reader (and its thread) when the loop stopped early, before its folder goes.
      await events.return(undefined);
      stream?.destroy();
      await folder?.remove();
    }
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

  async function get(actor: ClientActor, id: string): Promise<ImportDetail> {
    const row = await ownImport(db, actor.accountId, id);
    return {
      ...importView(row),
      errors: await inlineProblems(id, 'error'),
      warnings: await inlineProblems(id, 'warning'),
    };
  }

  return {
    /**
     * Streams an upload into the FileStore under a new import id (nothing is buffered whole). The caller
     * turns it into an import with {@link create} or drops it with {@link discard}.
     */
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
        const defs = await definitions(db, accountId);
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

    get,

    async list(
      actor: ClientActor,
      page: { limit: number; cursor?: string | undefined },
    ): Promise<ImportView[]> {
      let q = db.selectFrom('imports').selectAll().where('account_id', '=', actor.accountId);
      if (page.cursor) q = q.where('id', '<', page.cursor);
      const rows = await q.orderBy('id', 'desc').limit(page.limit).execute();
      return rows.map(importView);
    },

    /**
     * Stops an import: a queued one at once, a running one at its next batch boundary. Rows imported
     * so far are kept. A finished import answers 409.
     */
    async cancel(actor: ClientActor, id: string): Promise<ImportDetail> {
      const accountId = actor.accountId;
      await db.transaction().execute(async (tx) => {
        const row = await ownImport(tx, accountId, id);
        if (!ACTIVE.includes(row.status)) {
          throw new AppError('conflict', `The import is already ${row.status}.`);
        }
        const now = clock.now();
        if (row.status === 'queued' && Number(row.processed) === 0) {
          await tx
            .updateTable('imports')
            .set({ status: 'cancelled', cancel_requested: 1, finished_at: now, lease_until: 0 })
            .where('id', '=', id)
            .execute();
        } else {
          await tx.updateTable('imports').set({ cancel_requested: 1 }).where('id', '=', id).execute();
        }
        await audit.record(tx, {
          accountId,
          actor: auditActorOf(actor),
          action: 'import.cancel_requested',
          target: { type: 'import', id },
        });
      });
      // A running import the worker is not holding (paused between runs) stops now.
      const row = await ownImport(db, accountId, id);
      if (row.status === 'running' && Number(row.lease_until) <= clock.now()) {
        await finish(row, null, 'cancelled');
      }
      return get(actor, id);
    },

    /**
     * The report of an import as CSV, streamed, cells neutralised for spreadsheets. `error`: one line per
     * refused row (`row`, `column` and `message`, several problems joined by "; "), followed by the row's
     * cells as read from the file under the file's own headers, so that the report can be fixed and
     * imported again. `warning`: one line per warning of an imported row (row, column, message).
     */
    async reportCsv(
      actor: ClientActor,
      id: string,
      level: 'error' | 'warning',
    ): Promise<AsyncGenerator<string>> {
      const imp = await ownImport(db, actor.accountId, id);
      const headers = level === 'error' && imp.headers !== null ? (JSON.parse(imp.headers) as string[]) : [];
      const PAGE = 5000;
      async function* lines(): AsyncGenerator<string> {
        yield csvRow(['row', 'column', 'message', ...headers]);
        let after = 0;
        for (;;) {
          const page = await db
            .selectFrom('import_errors')
            .select(['row', 'column', 'message', 'cells'])
            .where('import_id', '=', id)
            .where('level', '=', level)
            .where('row', '>', after)
            .orderBy('row')
            .limit(PAGE)
            .execute();
          if (page.length === 0) return;
          // A row's problems never straddle two pages: a full page stops before its last row (unless
          // that row is the whole page).
          const last = Number(page[page.length - 1]!.row);
          const complete = page.length < PAGE ? page : page.filter((r) => Number(r.row) < last);
          const take = complete.length > 0 ? complete : page;
          let chunk = '';
          if (level === 'warning') {
            for (const r of take) chunk += csvRow([Number(r.row), r.column, r.message]);
          } else {
            for (let i = 0; i < take.length; ) {
              const row = Number(take[i]!.row);
              const columns: string[] = [];
              const messages: string[] = [];
              let cells: string[] = [];
              for (; i < take.length && Number(take[i]!.row) === row; i++) {
                const r = take[i]!;
                if (r.column !== null && !columns.includes(r.column)) columns.push(r.column);
                messages.push(r.message);
                if (r.cells !== null) cells = JSON.parse(r.cells) as string[];
              }
              chunk += csvRow([row, columns.join('; '), messages.join('; '), ...cells]);
            }
          }
          yield chunk;
          if (page.length < PAGE) return;
          after = complete.length > 0 ? last - 1 : last;
        }
      }
      return lines();
    },

    /**
     * Works on queued imports and on running ones whose worker lost its lease, one at a time, until none
     * is left (or `maxBatches` batches were written, for tests that look at progress). Returns the
     * number of imports worked on.
     */
    async runDue(options: { maxBatches?: number; batchSize?: number; limit?: number } = {}): Promise<number> {
      const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
      const batchSize = options.batchSize ?? settings.batchSize;
      let worked = 0;
      const handled: string[] = [];
      for (let i = 0; i < (options.limit ?? 100); i++) {
        const now = clock.now();
        let q = db
          .selectFrom('imports')
          .selectAll()
          .where('status', 'in', ACTIVE)
          .where('lease_until', '<=', now);
        // Each import once per call: one handed back after maxBatches waits for the next call.
        if (handled.length > 0) q = q.where('id', 'not in', handled);
        const candidate = await q.orderBy('id').limit(1).executeTakeFirst();
        if (!candidate) break;
        handled.push(candidate.id);
        const lease = now + settings.leaseMs;
        const claimed = await db
          .updateTable('imports')
          .set({ status: 'running', lease_until: lease, started_at: candidate.started_at ?? now })
          .where('id', '=', candidate.id)
          .where('status', 'in', ACTIVE)
          .where('lease_until', '=', candidate.lease_until)
          .executeTakeFirst();
        if (Number(claimed.numUpdatedRows) === 0) continue;
        worked++;
        const imp = { ...candidate, status: 'running' as const, lease_until: lease };
        if (Number(candidate.cancel_requested) === 1) await finish(imp, lease, 'cancelled');
        else await process(imp, lease, maxBatches, batchSize);
      }
      return worked;
    },

    /**
     * Deletes uploaded originals 60 days after their import finished (or was created, for one that never
     * finished): the contacts stay, the file goes. Batched and safe to run twice; returns files deleted.
     */
    /** `cutoff`: imports that finished (or, unfinished, were created) before it lose their original; default 60 days ago. */
    async sweepOriginals(options: { limit?: number; cutoff?: number } = {}): Promise<number> {
      const cutoff = options.cutoff ?? clock.now() - ORIGINAL_RETENTION_MS;
      const due = await db
        .selectFrom('imports')
        .select(['id', 'file_key'])
        .where('original_deleted_at', 'is', null)
        .where((eb) =>
          eb.or([
            eb('finished_at', '<=', cutoff),
            eb.and([eb('finished_at', 'is', null), eb('created_at', '<=', cutoff)]),
          ]),
        )
        .orderBy('id')
        .limit(options.limit ?? 500)
        .execute();
      for (const row of due) {
        await files.delete(row.file_key);
        // The error report quotes the file's cells (numbers, names): it goes with the original.
        await db.transaction().execute(async (tx) => {
          await tx.deleteFrom('import_errors').where('import_id', '=', row.id).execute();
          await tx
            .updateTable('imports')
            .set({ original_deleted_at: clock.now() })
            .where('id', '=', row.id)
            .execute();
        });
      }
      return due.length;
    },
  };
}

export type Imports = ReturnType<typeof createImports>;
