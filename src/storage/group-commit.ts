import type { Storage, Tx } from './database';

/**
 * Rows that every unit of a group adds to and that are written once for the whole group, at the end of
 * its transaction (e.g. one dispatch job for all the messages of a group instead of one per request).
 */
export interface GroupSink<T> {
  flush(tx: Tx, items: T[]): Promise<void>;
}

/** What a unit of work sees of its group besides the transaction. */
export interface CommitGroup {
  /** Adds items to `sink`; they are written if this unit is not refused, with those of the group's other units. */
  collect<T>(sink: GroupSink<T>, items: readonly T[]): void;
}

type Work<T> = (tx: Tx, group: CommitGroup) => Promise<T>;

interface Pending {
  work: Work<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Collected = Map<GroupSink<unknown>, unknown[]>;

function collector(into: Collected): CommitGroup {
  return {
    collect(sink, items) {
      const list = into.get(sink as GroupSink<unknown>);
      if (list) for (const item of items) list.push(item);
      else into.set(sink as GroupSink<unknown>, [...items]);
    },
  };
}

/**
 * Group commit: many small units of work that arrive together share one transaction, so one commit
 * (one fsync) answers all of them. Each unit must do its own checks before its first write and throw
 * only there; a thrown error rejects that unit alone. An error from the database itself rolls the whole
 * group back and rejects every unit in it, so nothing is ever half-written. A group is answered once
 * its commit is on disk; the next group is written while the disk works on the one before.
 */
export function createGroupCommit(
  storage: Pick<Storage, 'stagedTransaction'>,
  options: { maxBatch: number },
) {
  let queue: Pending[] = [];
  let running = false;

  async function drain() {
    running = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, options.maxBatch);
      queue = queue.slice(batch.length);
      const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
      let onDisk: Promise<void>;
      try {
        ({ onDisk } = await storage.stagedTransaction(async (tx) => {
          const collected: Collected = new Map();
          for (const item of batch) {
            // A refused unit's collected items are dropped with it.
            const own: Collected = new Map();
            try {
              outcomes.push({ ok: true, value: await item.work(tx, collector(own)) });
            } catch (error) {
              if (isDomainRefusal(error)) {
                outcomes.push({ ok: false, error });
                continue;
              }
              throw error;
            }
            const group = collector(collected);
            for (const [sink, items] of own) group.collect(sink, items);
          }
          for (const [sink, items] of collected) await sink.flush(tx, items);
        }));
      } catch (error) {
        for (const item of batch) item.reject(error);
        continue;
      }
      onDisk.then(
        () =>
          batch.forEach((item, i) => {
            const outcome = outcomes[i]!;
            if (outcome.ok) item.resolve(outcome.value);
            else item.reject(outcome.error);
          }),
        // Committed but not known to be on disk: nobody is told it was accepted.
        (error: unknown) => {
          for (const item of batch) item.reject(error);
        },
      );
    }
    running = false;
  }

  return {
    run<T>(work: Work<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work: work as Work<unknown>, resolve: resolve as (v: unknown) => void, reject });
        // Wait one turn of the event loop so that requests arriving together are committed together.
        if (!running) {
          running = true;
          setImmediate(() => void drain());
        }
      });
    },
  };
}

function isDomainRefusal(error: unknown): boolean {
  return error instanceof Error && error.name === 'AppError';
}

export type GroupCommit = ReturnType<typeof createGroupCommit>;
