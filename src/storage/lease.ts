/**
 * The lease mechanics every kind of background work shares. A leased row carries `lease_until` (ms since
 * epoch: held until then) and, where the kind has one, an owner column naming who holds it; a worker only
 * works on rows it holds, and every write of its result checks that it still does. Each kind keeps its own
 * rules (which rows are due, their order, how long a lease lasts) and calls these for the rest:
 *
 * - {@link claimDue}: one conditional UPDATE over the due rows, picked once (skipping rows other workers are
 *   claiming, where the database can), answering only the rows whose lease this call set;
 * - {@link renewLeases}, {@link releaseLeases}, {@link whereHeld}: renew, hand back, and "still ours" checks;
 * - {@link acquireNamed}: a single named lease row (one sweep at a time), taken when free or already ours;
 * - {@link takeBackPreviousBoot}: the leases a previous run of this same WORKER_ID left behind.
 *
 * An owner is `WORKER_ID/boot token` ({@link leaseOwner}): the boot token tells this run's leases from those
 * of an earlier run of the same worker, which a restart takes back at once instead of waiting them out.
 * A kind without an owner column (imports) uses the exact `lease_until` it set as its token instead.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { DbOrTx } from './database';

/**
 * The lease helper serves several tables, so it builds its statements on an untyped view of the database;
 * each kind names its own table and columns, and types what it reads back.
 */
// biome-ignore lint/suspicious/noExplicitAny: one helper over the leased tables, typed at each kind's call
type Loose = any;

/** Where a kind keeps its leases. Every leased table has `lease_until`. */
export interface LeasedTable {
  table: 'jobs' | 'webhook_deliveries' | 'imports' | 'retention_leases';
  /** The key column (default `id`). */
  key?: string;
  /** The column naming the holder; null: the table has none, and `lease_until` itself is the token. */
  owner: 'lease_owner' | 'owner' | null;
}

/** Who holds a lease: the owner named in the row, the exact `lease_until` the holder set, or both. */
export interface Holder {
  owner?: string;
  until?: number;
}

/** This process as a lease owner. */
export interface LeaseOwner {
  /** `WORKER_ID/boot token`. */
  owner: string;
  /** `WORKER_ID/`: the leases of every run of this worker start with it. */
  prefix: string;
}

/** A fresh owner for this run of `workerId` (default: this process only, nothing to take back later). */
export function leaseOwner(workerId = `pid${process.pid}`): LeaseOwner {
  const prefix = `${workerId}/`;
  return { owner: `${prefix}${randomBytes(6).toString('hex')}`, prefix };
}

/** The `WORKER_ID/` of an owner made by {@link leaseOwner} ('' for a name without one). */
export function ownerPrefix(owner: string): string {
  return owner.slice(0, owner.indexOf('/') + 1);
}

const keyOf = (t: LeasedTable) => t.key ?? 'id';

/** The common table expression holding the rows a claim picked (see {@link claimDue}). */
const PICKED = 'picked';

/**
 * Adds "this holder still holds the row" to a statement: its owner, and/or the `lease_until` it set (a later
 * claim by the same owner within the same ms is told apart by the value). Values may be `prepared` slots.
 */
export function whereHeld<Q>(qb: Q, t: LeasedTable, holder: Holder): Q {
  let q = qb as Loose;
  if (holder.until === undefined && holder.owner === undefined)
    throw new Error('a holder names its owner or its lease');
  if (holder.until !== undefined) q = q.where('lease_until', '=', holder.until);
  if (holder.owner !== undefined) q = q.where(ownerColumn(t), '=', holder.owner);
  return q;
}

function ownerColumn(t: LeasedTable): string {
  if (t.owner === null) throw new Error(`${t.table} has no owner column`);
  return t.owner;
}

export interface ClaimSpec {
  /**
   * The kind's rule: its due rows, as `select <key> from <table> [as alias] where … order by … limit …`
   * (the one column it selects is read back by the key's name). The free-lease condition is added at the end of its `where`, or wherever the kind puts `free`
   * (`.where(free)`, to keep the terms in the order its index is read); the row locking is added here.
   */
  due(db: DbOrTx, free: (eb: Loose) => Loose): Loose;
  /** The alias the due query gives the table, if any. */
  alias?: string;
  now: number;
  leaseUntil: number;
  /** The new holder (tables with an owner column). */
  owner?: string;
  /**
   * `FOR UPDATE SKIP LOCKED` (capabilities.skipLocked): other workers skip rows being claimed. Safe
   * whatever plan the database picks (see {@link claimDue}).
   */
  skipLocked: boolean;
  /** More columns the claim sets (an attempt count, a status). */
  set?(eb: Loose): Record<string, unknown>;
}

/**
 * Claims due rows: an UPDATE over the kind's due rows that takes their lease. The lease condition is
 * checked again outside the due query, so a row another worker leased meanwhile no longer matches and no
 * row is ever held by two workers: only rows whose lease this statement set come back. Answers the
 * statement, for the kind to add its own re-checks and `returning`, and to run or compile once
 * (`prepared`: every value may be a slot).
 *
 * The due rows are picked once, in a MATERIALIZED common table expression, never in a subquery of the
 * UPDATE's WHERE: PostgreSQL may run such a subquery again for each row of a semi-join, and a locking
 * one then skips the rows this statement already leased (locked and changed by it: gone for a locking
 * read), so each run answers the next rows and the UPDATE leases past the limit. A materialized CTE
 * runs once whatever the plan. SQLite has no row locks (its subquery was safe), but takes the same
 * statement: one shape to test on both.
 */
export function claimDue(executor: DbOrTx, t: LeasedTable, spec: ClaimSpec): Loose {
  const db = executor as Loose;
  const until = spec.alias ? `${spec.alias}.lease_until` : 'lease_until';
  let placed = false;
  // Kysely calls a where-callback as the condition is added: whether the kind placed it is known at once.
  const free = (eb: Loose) => {
    placed = true;
    return eb(until, '<=', spec.now);
  };
  let due = spec.due(db, free);
  if (!placed) due = due.where(free);
  if (spec.skipLocked) due = due.forUpdate().skipLocked();
  return db
    .with(
      (cte: Loose) => cte(PICKED).materialized(),
      () => due,
    )
    .updateTable(t.table)
    .set((eb: Loose) => {
      const lease: Record<string, unknown> = { lease_until: spec.leaseUntil };
      if (t.owner !== null) lease[t.owner] = spec.owner;
      return spec.set ? Object.assign(lease, spec.set(eb)) : lease;
    })
    .where(keyOf(t), 'in', (eb: Loose) => eb.selectFrom(PICKED).select(keyOf(t)))
    .where('lease_until', '<=', spec.now);
}

/** Renews leases still held by `owner` until `leaseUntil`; answers the keys still held (the others were lost). */
export async function renewLeases(
  executor: DbOrTx,
  t: LeasedTable,
  keys: string[],
  owner: string,
  leaseUntil: number,
): Promise<string[]> {
  if (keys.length === 0) return [];
  const q = (executor as Loose)
    .updateTable(t.table)
    .set({ lease_until: leaseUntil })
    .where(keyOf(t), 'in', keys);
  const rows: Array<Record<string, string>> = await whereHeld(q, t, { owner }).returning(keyOf(t)).execute();
  return rows.map((r) => r[keyOf(t)]!);
}

/** Hands rows back (free at once) if `holder` still holds them; answers how many. */
export async function releaseLeases(
  executor: DbOrTx,
  t: LeasedTable,
  keys: string[],
  holder: Holder,
): Promise<number> {
  if (keys.length === 0) return 0;
  const free: Record<string, unknown> = { lease_until: 0 };
  if (t.owner !== null) free[t.owner] = null;
  const q = (executor as Loose).updateTable(t.table).set(free).where(keyOf(t), 'in', keys);
  const result = await whereHeld(q, t, holder).executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Takes (or renews) the one named lease row `key` for `owner` when it is free or already this owner's.
 * The row must exist. A conditional update that both dialects serialise: one owner at a time.
 */
export async function acquireNamed(
  executor: DbOrTx,
  t: LeasedTable,
  key: string,
  owner: string,
  now: number,
  leaseUntil: number,
): Promise<boolean> {
  const column = ownerColumn(t);
  const taken = await (executor as Loose)
    .updateTable(t.table)
    .set({ [column]: owner, lease_until: leaseUntil })
    .where(keyOf(t), '=', key)
    .where((eb: Loose) => eb.or([eb('lease_until', '<=', now), eb(column, '=', owner)]))
    .executeTakeFirst();
  return Number(taken.numUpdatedRows) === 1;
}

export interface TakeBack {
  /** This run. */
  self: LeaseOwner;
  now: number;
  /** Other owner names of this run whose leases stay (the job queue's relay). */
  keep?: string[];
  /** The kind's own limits (only pending rows; only leases no longer renewed). */
  where?(qb: Loose): Loose;
}

/**
 * Frees the unexpired leases a previous run of this worker (same WORKER_ID, another boot token) still
 * holds, so a restarted process takes its work back at once instead of waiting the leases out. Leases
 * of other worker ids, and this run's own, are left alone. Answers how many were freed.
 */
export async function takeBackPreviousBoot(
  executor: DbOrTx,
  t: LeasedTable,
  spec: TakeBack,
): Promise<number> {
  const column = ownerColumn(t);
  const { prefix, owner } = spec.self;
  if (prefix === '') return 0;
  let q = (executor as Loose)
    .updateTable(t.table)
    .set({ lease_until: 0, [column]: null })
    // Not null, spelled out: it selects a partial index of leased rows where there is one.
    .where(column, 'is not', null)
    // substr, not LIKE: a WORKER_ID may contain `_`.
    .where(sql<string>`substr(${sql.ref(column)}, 1, ${prefix.length})`, '=', prefix);
  for (const name of [owner, ...(spec.keep ?? [])]) q = q.where(column, '<>', name);
  if (spec.where) q = spec.where(q);
  const freed = await q.where('lease_until', '>', spec.now).executeTakeFirst();
  return Number(freed.numUpdatedRows);
}
