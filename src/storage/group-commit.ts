import type { Storage, Tx } from './database';

type Work<T> = (tx: Tx) => Promise<T>;

interface Pending {
  work: Work<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
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
          for (const item of batch) {
            try {
              outcomes.push({ ok: true, value: await item.work(tx) });
            } catch (error) {
              if (isDomainRefusal(error)) outcomes.push({ ok: false, error });
              else throw error;
            }
          }
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
