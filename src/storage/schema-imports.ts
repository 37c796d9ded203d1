/** Row types of contact imports (see migrations/0007_imports.ts). */

export type ImportStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** One upload of a CSV or XLSX file into the address book, processed in the background. */
export interface ImportsTable {
  id: string;
  account_id: string;
  status: ImportStatus;
  /** FileStore key of the uploaded original (deleted 60 days after the import). */
  file_key: string;
  file_name: string;
  bytes: number;
  format: 'csv' | 'xlsx';
  /** CSV only: the detected field delimiter. */
  delimiter: string | null;
  /** JSON object: column header → target (`phone`, `firstName`, …, `fields.<key>`). */
  mapping: string;
  group_id: string | null;
  on_duplicate: 'update' | 'skip';
  /** 1: groups named in a `groups` column that the account lacks are created. */
  create_groups: number;
  /** Data rows in the file: an estimate (line count) until the import finishes; null when unknown. */
  total: number | null;
  /** Data rows handled so far; the checkpoint a resumed import continues after. */
  processed: number;
  imported: number;
  updated: number;
  skipped: number;
  failed: number;
  /** Rows imported with a warning (e.g. an invalid e-mail left out). */
  warned: number;
  /** JSON array of the file's header row (as the mapping names them); null for imports made before 0021. */
  headers: string | null;
  /** Why the whole import failed (status `failed`). */
  error: string | null;
  /** 1 once a cancel was asked for; honoured at the next batch boundary. */
  cancel_requested: number;
  /** A worker owns the import until then; a crashed worker's lease expires and another resumes. */
  lease_until: number;
  created_by: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  original_deleted_at: number | null;
}

/** One problem of an import row. `row` is the line number in the file (1 = the header). */
export interface ImportErrorsTable {
  import_id: string;
  row: number;
  column: string | null;
  message: string;
  /** `error`: the row was refused; `warning`: it was imported, with something left out. */
  level: 'error' | 'warning';
  /** JSON array of the refused row's cells as read from the file, on the row's first error line. */
  cells: string | null;
}

export interface ImportsTables {
  imports: ImportsTable;
  import_errors: ImportErrorsTable;
}
