import type { Db } from '../../storage/database';
import type { Outcomes } from '../messaging';

/** Receipts looked at by one pass of the rematch sweep, and messages expired by one pass of the timeout. */
const REMATCH_BATCH = 1000;
const EXPIRE_BATCH = 500;

/**
 * The two background sweeps over delivery receipts, each one pass in its own transaction: receipts that
 * raced their submit answer on a multi-writer database (see `Outcomes.rematchWaitingReports`), and `sent`
 * messages whose receipt never came within their route's `receiptTimeoutSeconds` (see
 * `Outcomes.expireUnreported`). The timeouts are read from the routes table, which dispatch owns.
 */
export function createReceiptSweeps(deps: { db: Db; outcomes: Outcomes }) {
  const { db, outcomes } = deps;
  return {
    /** One pass of the rematch sweep; the number of receipts looked at. */
    rematchWaiting(): Promise<number> {
      return db.transaction().execute((tx) => outcomes.rematchWaitingReports(tx, { limit: REMATCH_BATCH }));
    },
    /** One pass of the receipt timeout; the number of messages expired. */
    async expireUnreported(): Promise<number> {
      const routeTimeoutsMs = await receiptTimeouts(db);
      return db
        .transaction()
        .execute((tx) => outcomes.expireUnreported(tx, { routeTimeoutsMs, limit: EXPIRE_BATCH }));
    },
  };
}

/** Each route's receipt timeout in ms, for the routes whose config sets `receiptTimeoutSeconds`. */
async function receiptTimeouts(db: Db): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const r of await db.selectFrom('routes').select(['id', 'config']).execute()) {
    const seconds = (JSON.parse(r.config) as { receiptTimeoutSeconds?: unknown }).receiptTimeoutSeconds;
    if (typeof seconds === 'number' && seconds > 0) out.set(r.id, seconds * 1000);
  }
  return out;
}

export type ReceiptSweeps = ReturnType<typeof createReceiptSweeps>;
