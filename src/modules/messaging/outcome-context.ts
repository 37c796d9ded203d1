/**
 * What every part of the outcomes shares: its deps, the statement sizes, and the effects a batch produces
 * besides the message rows (events, credit movements, webhooks), written together at the end of the batch.
 */
import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import type { JobQueue } from '../../queue/job-queue';
import type { DbOrTx } from '../../storage/database';
import { preparedInsert } from '../../storage/prepared-insert';
import { parseMessagingSettings } from '../accounts';
import type { Ledger, SettleEntry } from '../billing';
import type { ClientEvent, ClientEventSink } from './ports';

export interface OutcomeDeps {
  clock: Clock;
  ids: IdGenerator;
  ledger: Ledger;
  queue: JobQueue;
  events: ClientEventSink;
  /**
   * Told of each receipt that settled a message (routing's live quality). Called inside the applying
   * transaction: a rolled-back batch (rare) still counts, which only nudges a rate over hundreds of samples.
   */
  onReceipt?: (sample: ReceiptSample) => void;
}

/** What a receipt says of its route's quality: delivered or not, and how long after the submit it came. */
export interface ReceiptSample {
  routeId: string;
  country: string | null;
  delivered: boolean;
  latencyMs: number;
}

export const CHUNK = 400;
// Rows per CASE update. Each row of the UPDATE scans the CASE list, so the cost grows with the square of
// the chunk: small chunks are cheaper in total.
export const CASE_CHUNK = 50;

/** A batch's status events: compiled once per batch size. */
const insertEvents = preparedInsert('message_events', ['id', 'message_id', 'status', 'detail', 'at']);

/** What applying a batch produces besides the message rows: events, credit movements, webhooks. */
export function newEffects() {
  return {
    events: [] as Array<{
      id: string;
      message_id: string;
      status: string;
      detail: string | null;
      at: number;
    }>,
    published: [] as ClientEvent[],
    settle: [] as SettleEntry[],
  };
}

export type Effects = ReturnType<typeof newEffects>;

export async function commitEffects(deps: OutcomeDeps, tx: DbOrTx, effects: Effects, note: string) {
  await insertEvents(tx, effects.events, CHUNK);
  await deps.ledger.settle(tx, effects.settle, note);
  await deps.events.publish(tx, effects.published);
}

/** Each account's refund policy (its messaging settings), for the accounts given. */
export async function refundPolicies(tx: DbOrTx, accountIds: string[]) {
  const rows = await tx
    .selectFrom('accounts')
    .select(['id', 'settings'])
    .where('id', 'in', accountIds)
    .execute();
  return new Map(rows.map((r) => [r.id, parseMessagingSettings(r.settings).refundPolicy]));
}
