import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import type { Db } from './database';
import { directRunner } from './direct';
import { storageFault } from './faults';

/** What the operator is told about the storage running out of room. */
export interface StorageHealthListener {
  /** Writes are refused for want of space: called on the first refusal, then at most once a minute. */
  full(error: unknown): void;
  /** A write went through again after the storage was full. */
  roomAgain(): void;
}

/**
 * Whether the storage has room for writes, as the last writes found it. Set by any write refused for
 * want of space (SQLITE_FULL, PostgreSQL disk_full, ENOSPC), cleared by the next write that commits,
 * so it recovers by itself when space returns. Connection loss is not kept here: a probe answers that.
 */
export interface StorageHealth {
  readonly full: boolean;
  /** Looks at an error from the storage; notes it when it says "full". */
  observe(error: unknown): void;
  /** A write was committed. */
  wrote(): void;
  listen(listener: StorageHealthListener): void;
}

const ALERT_EVERY_MS = 60_000;

export function createStorageHealth(): StorageHealth {
  let full = false;
  let lastAlert = Number.NEGATIVE_INFINITY;
  const listeners: StorageHealthListener[] = [];
  return {
    get full() {
      return full;
    },
    observe(error) {
      if (storageFault(error) !== 'full') return;
      const now = performance.now();
      const first = !full;
      full = true;
      if (first || now - lastAlert >= ALERT_EVERY_MS) {
        lastAlert = now;
        for (const l of listeners) l.full(error);
      }
    },
    wrote() {
      if (!full) return;
      full = false;
      lastAlert = Number.NEGATIVE_INFINITY;
      for (const l of listeners) l.roomAgain();
    },
    listen(listener) {
      listeners.push(listener);
    },
  };
}

/**
 * Asks the database for `select 1`: `ok` when it answers within `timeoutMs`, else `unavailable` (a
 * server that is away, refuses connections, or does not answer in time; SQLite held by a long write).
 */
export async function probeDatabase(db: Db, timeoutMs = 2000): Promise<'ok' | 'unavailable'> {
  // SQLite: on the read-only connection, which a long write (an import batch) does not hold up.
  const read = directRunner(db, true);
  if (read) {
    try {
      read('select 1', []);
      return 'ok';
    } catch {
      return 'unavailable';
    }
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'unavailable'>((resolve) => {
    timer = setTimeout(() => resolve('unavailable'), timeoutMs);
  });
  const answer = sql`select 1`.execute(db).then(
    () => 'ok' as const,
    () => 'unavailable' as const,
  );
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
