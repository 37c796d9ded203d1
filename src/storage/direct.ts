import type { QueryResult } from 'kysely';

/** Runs one compiled statement at once and returns what Kysely's driver would have returned. */
export type DirectRunner = (sql: string, values: readonly unknown[]) => QueryResult<unknown>;

/**
 * SQLite answers a statement synchronously, yet a statement sent through Kysely passes a connection
 * mutex and half a dozen promises: on the send path, where a request runs a dozen small statements,
 * that costs more CPU than SQLite's own work and two fifths of all the memory the request allocates
 * (more garbage, more collector pauses in the latency tail). A transaction opened by the SQLite storage
 * registers a runner on its handle here for as long as it is open; {@link prepared} statements given
 * that handle run straight on the connection. This is safe because the transaction holds the only
 * connection for its whole life, and it is the same connection.
 */
const runners = new WeakMap<object, DirectRunner>();

/** Makes `run` the direct runner of `tx` while `work` runs. */
export async function withDirectRunner<T>(tx: object, run: DirectRunner, work: () => Promise<T>): Promise<T> {
  runners.set(tx, run);
  try {
    return await work();
  } finally {
    runners.delete(tx);
  }
}

/** The direct runner of a transaction handle, if it has one. */
export function directRunner(executor: object): DirectRunner | undefined {
  return runners.get(executor);
}
