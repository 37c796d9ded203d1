import type { QueryResult } from 'kysely';

/** Runs one compiled statement at once and returns what Kysely's driver would have returned. */
export type DirectRunner = (sql: string, values: readonly unknown[]) => QueryResult<unknown>;

/**
 * SQLite answers a statement synchronously, yet a statement sent through Kysely passes a connection
 * mutex and half a dozen promises: on the send path, where a request runs a dozen small statements,
 * that costs more CPU than SQLite's own work and two fifths of all the memory the request allocates
 * (more garbage, more collector pauses in the latency tail). So the SQLite storage registers runners
 * here that {@link prepared} statements use instead:
 * - a transaction it opens gets a runner on its own connection for as long as it is open. This is safe
 *   because the transaction holds the only writing connection for its whole life;
 * - the database handle itself gets a runner for reads only, on a second, read-only connection. A read
 *   there sees the last commit, as a read through Kysely does (which waits for the open transaction to
 *   end first, and reads what it committed: the same outcome, minus the wait).
 */
const runners = new WeakMap<object, { run: DirectRunner; readsOnly: boolean }>();

/** Makes `run` the direct runner of transaction `tx` while `work` runs. */
export async function withDirectRunner<T>(tx: object, run: DirectRunner, work: () => Promise<T>): Promise<T> {
  runners.set(tx, { run, readsOnly: false });
  try {
    return await work();
  } finally {
    runners.delete(tx);
  }
}

/** Makes `run` the runner of the reads (only) that are sent to `db` outside any transaction. */
export function setDirectReader(db: object, run: DirectRunner): void {
  runners.set(db, { run, readsOnly: true });
}

/** The direct runner for a statement sent to `executor`, if there is one. */
export function directRunner(executor: object, isRead: boolean): DirectRunner | undefined {
  const entry = runners.get(executor);
  return entry && (isRead || !entry.readsOnly) ? entry.run : undefined;
}
