import { pause } from '../kernel/timing';

/**
 * What a failed statement says about the database rather than about the statement:
 * - `unavailable`: the database cannot be reached or is busy (connection refused, reset or ended by the
 *   server, a server shutting down or starting, too many connections, SQLite locked by another writer).
 *   Nothing was written; the same request succeeds once it is back.
 * - `full`: the disk (or the database's size limit) has no room for the write. Reads still work.
 * - null: anything else (a bug, a constraint, bad SQL): not the storage's fault.
 */
export type StorageFault = 'unavailable' | 'full';

/** PostgreSQL SQLSTATEs of a lost or refused connection (class 08, and 57P01–57P03 from a shutdown). */
const PG_UNAVAILABLE = new Set([
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '08007',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
/** disk_full, and SQLite's and the OS's words for the same. */
const FULL = new Set(['53100', 'SQLITE_FULL', 'ENOSPC', 'EDQUOT']);
const NETWORK = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** What the pg client says when its socket goes or never comes: these errors carry no code. */
const PG_CONNECTION_MESSAGES = [
  'Connection terminated',
  'not queryable',
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
];

/** Classifies `error` (or any error in its `cause` chain); see {@link StorageFault}. */
export function storageFault(error: unknown): StorageFault | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') {
      if (FULL.has(code)) return 'full';
      if (PG_UNAVAILABLE.has(code) || NETWORK.has(code)) return 'unavailable';
      // SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED…: another connection holds the lock.
      if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'unavailable';
    }
    if (
      code === undefined &&
      PG_CONNECTION_MESSAGES.some((m) => current instanceof Error && current.message.includes(m))
    )
      return 'unavailable';
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * Runs `work`, and again after `firstMs`, twice that, … up to `lastMs` (about a minute in all by default)
 * while the database is away; any other error, or the same fault past the last try, is thrown. For work whose
 * effect must not wait for a lease to run out: what was claimed or learned is kept, not given up.
 */
export async function untilStorageBack<T>(
  work: () => Promise<T>,
  firstMs = 250,
  lastMs = 32_000,
): Promise<T> {
  for (let wait = firstMs; ; wait *= 2) {
    try {
      return await work();
    } catch (error) {
      if (!storageFault(error) || wait > lastMs) throw error;
      await pause(wait);
    }
  }
}
