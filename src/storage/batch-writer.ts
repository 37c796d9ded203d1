import { pause } from '../kernel/timing';
import type { Db, Tx } from './database';
import { onDisk } from './durability';
import { storageFault } from './faults';

/**
 * Pauses before writing a batch again while the database is unavailable: about 4 s in all, well within
 * the time an SMPP peer waits for a deliver_sm_resp.
 */
const UNAVAILABLE_RETRY_MS = [100, 250, 500, 1000, 2000];

interface Pending<T> {
  item: T;
  resolve(): void;
  reject(error: unknown): void;
}

/** Stores one batch of items inside the given transaction. */
export type WriteBatch<T> = (tx: Tx, items: T[]) => Promise<void>;

export interface BatchWriter<T> {
  /**
   * Queues an item; resolves once the transaction holding it has committed, rejects if it could not be
   * stored. Callers that acknowledge something to a peer (a carrier's receipt, an inbound SMS) do so only
   * after this resolves, so an acknowledged item is never lost.
   */
  add(item: T): Promise<void>;
  /** Resolves when nothing is queued or being written (for an orderly shutdown and for tests). */
  idle(): Promise<void>;
}

/**
 * Batched durable writes: items that arrive together (in the same turn of the event loop, or while the
 * previous batch is being committed) are handed to `write` together, in ONE transaction, up to `maxBatch`
 * at a time. Unlike group commit, the writer sees the whole batch, so it can look things up and insert
 * rows in bulk.
 *
 * When a batch fails, it is split in halves and each half is tried again in its own transaction, down to
 * single items: one poisoned item (say, a character the database refuses) fails alone instead of taking
 * every item that happened to arrive with it along. `write` must therefore keep all its effects inside
 * the transaction, so that a rolled-back attempt leaves nothing behind.
 */
export function createBatchWriter<T>(
  db: Db,
  write: WriteBatch<T>,
  options: { maxBatch?: number; unavailableRetryMs?: readonly number[] } = {},
): BatchWriter<T> {
  const maxBatch = Math.max(1, options.maxBatch ?? 1000);
  const unavailableRetryMs = options.unavailableRetryMs ?? UNAVAILABLE_RETRY_MS;
  let queue: Array<Pending<T>> = [];
  let running = false;
  let waiters: Array<() => void> = [];

  async function commit(batch: Array<Pending<T>>): Promise<void> {
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await db.transaction().execute((tx) =>
            write(
              tx,
              batch.map((p) => p.item),
            ),
          );
          break;
        } catch (error) {
          // Connections cut (a failover, a restart, terminated backends) come back within moments: the
          // peer waits for its acknowledgement a little longer rather than hearing "try later" and, with
          // many carriers, never sending the receipt again.
          const wait = unavailableRetryMs[attempt];
          if (wait === undefined || storageFault(error) !== 'unavailable') throw error;
          await pause(wait);
        }
      }
    } catch (error) {
      // A database that is away or full refuses every half alike: splitting would only multiply the
      // attempts (thousands of them for a full batch of receipts).
      if (batch.length === 1 || storageFault(error)) {
        for (const p of batch) p.reject(error);
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await commit(batch.slice(0, half));
      await commit(batch.slice(half));
      return;
    }
    // Committed is not yet on disk (SQLite fsyncs the log after the commit), and what callers acknowledge
    // must be: they hear of it after the fsync, while the next batch is already being written.
    onDisk(db).then(
      () => {
        for (const p of batch) p.resolve();
      },
      (error: unknown) => {
        for (const p of batch) p.reject(error);
      },
    );
  }

  async function drain() {
    try {
      while (queue.length > 0) {
        const batch = queue.slice(0, maxBatch);
        queue = queue.slice(batch.length);
        await commit(batch);
      }
    } finally {
      running = false;
      const done = waiters;
      waiters = [];
      for (const w of done) w();
    }
  }

  return {
    add(item) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (!running) {
          running = true;
          // Wait one turn of the event loop so that items arriving together are written together.
          setImmediate(() => void drain());
        }
      });
    },
    idle() {
      if (!running && queue.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}
