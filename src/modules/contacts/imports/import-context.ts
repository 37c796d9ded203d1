/**
 * What every part of contact imports shares: settings and deps, the views of an import, the context built
 * once from the deps (settings with their defaults, how a batch commits, the XLSX limits), and the lookups
 * several parts run (an account's field definitions, a client's import).
 */
import { AppError } from '../../../kernel/errors';
import type { FileStore } from '../../../kernel/file-store';
import type { Capabilities, DbOrTx, Storage } from '../../../storage/database';
import type { ImportStatus, ImportsTable } from '../../../storage/schema-imports';
import { type ContactsDeps, iso } from '../shared';
import type { ImportMapping } from './mapping';
import type { ImportFileReader, XlsxLimits } from './ports';
import type { FileKind } from './sniff';

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
  /** Reads stored files on reader threads (src/adapters/imports). */
  importFiles: ImportFileReader;
  /**
   * How a batch is committed: without waiting for the disk (Storage.lazyTransaction). A batch and its
   * checkpoint commit or vanish together, so a crash only means reading those rows again.
   */
  lazyTransaction?: Storage['lazyTransaction'] | undefined;
  importSettings?: Partial<ImportSettings> | undefined;
  /** Only `skipLocked` is used: a worker claiming an import skips one another worker is claiming. */
  capabilities: Pick<Capabilities, 'skipLocked'>;
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

export const ACTIVE: ImportStatus[] = ['queued', 'running'];

export function importView(row: ImportsTable): ImportView {
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

/** The deps, and what is derived from them once for every part of imports. */
export interface ImportsContext extends ImportsDeps {
  settings: ImportSettings;
  /** How a batch of rows and its checkpoint commit. */
  batchTransaction: Storage['lazyTransaction'];
  xlsxLimits: XlsxLimits;
}

export function importsContext(deps: ImportsDeps): ImportsContext {
  const { db } = deps;
  const settings: ImportSettings = { ...DEFAULT_IMPORT_SETTINGS, ...deps.importSettings };
  const batchTransaction = deps.lazyTransaction ?? ((work) => db.transaction().execute(work));

  const xlsxLimits: XlsxLimits = {
    maxInflatedBytes: settings.maxUncompressedBytes,
    maxSharedStrings: settings.maxSharedStrings,
    maxSharedStringBytes: settings.maxSharedStringBytes,
  };
  return Object.assign({}, deps, { settings, batchTransaction, xlsxLimits });
}

export async function ownImport(tx: DbOrTx, accountId: string, id: string): Promise<ImportsTable> {
  const row = await tx
    .selectFrom('imports')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', 'No such import.');
  return row;
}
