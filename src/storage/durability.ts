/**
 * When a commit is on disk. On SQLite (synchronous = FULL configured) commits return as soon as the log
 * is written and the log is fsynced on the thread pool right after, one fsync shared by every commit
 * waiting for it (see database.ts): background work (claims, outcomes, receipts matched) never stalls
 * the event loop on the disk. Whoever acknowledges a write to someone outside — an HTTP 2xx, an SMPP
 * deliver_sm_resp — first waits for {@link onDisk}, so an acknowledged write survives a power cut as
 * it would with SQLite fsyncing every commit itself. On PostgreSQL a commit is on disk when it returns.
 */
export interface Durability {
  /** Resolves once every commit made so far is on disk. */
  onDisk(): Promise<void>;
  /** Commits made and not yet known to be on disk. */
  unsynced(): number;
}

const registry = new WeakMap<object, Durability>();

export function setDurability(db: object, durability: Durability): void {
  registry.set(db, durability);
}

/** Resolves once every commit made so far through `db` is on disk. */
export function onDisk(db: object): Promise<void> {
  return registry.get(db)?.onDisk() ?? Promise.resolve();
}

/** How many commits made through `db` are not yet known to be on disk (0 where every commit is). */
export function unsyncedCommits(db: object): number {
  return registry.get(db)?.unsynced() ?? 0;
}
