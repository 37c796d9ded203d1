/**
 * What every part of the webhooks module shares: its deps and settings, the context built once from them
 * (the HTTP sender, this process's lease owner, statement sizes), the columns of a delivery held for an
 * attempt, and the statements several parts run (a client's endpoint, stopping or hurrying its deliveries).
 */
import { sql } from 'kysely';
import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Logger } from '../../kernel/logger';
import { itemsPerStatement } from '../../storage/chunk';
import type { Capabilities, Db, DbOrTx } from '../../storage/database';
import { type LeasedTable, type LeaseOwner, leaseOwner, ownerPrefix } from '../../storage/lease';
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from '../../storage/schema-webhooks';
import type { ClientActor } from '../accounts';
import type { AuditLog } from '../audit';
import type { PostOutcome, WebhookNet, WebhookSender } from './ports';

export interface WebhooksSettings {
  /** Allow endpoints on private, loopback and link-local addresses (tests, local receivers). */
  allowPrivate: boolean;
  /** Deadline of one delivery attempt; default 10 s. */
  timeoutMs?: number;
  /** Deliveries POSTed at once by one `deliverDue` call; default 20. */
  concurrency?: number;
}

export interface WebhooksDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
  logger: Logger;
  /** Only `skipLocked`, `multipleWriters` and `maxParameters` are used. */
  capabilities: Pick<Capabilities, 'skipLocked' | 'multipleWriters' | 'maxParameters'>;
  settings: WebhooksSettings;
  /** The HTTP sender and the DNS check (`webhookNet` of src/adapters/webhooks). */
  net: WebhookNet;
  /**
   * This process's lease owner, `WORKER_ID/boot token` (the job queue's): a restarted process takes back
   * the deliveries its previous boot held. Default: this process only (nothing to take back).
   */
  owner?: string;
}

/** The deps, and what is derived from them once for every part of the module. */
export interface WebhooksContext extends WebhooksDeps {
  /** Deadline of one attempt. */
  timeoutMs: number;
  /** Deliveries POSTed at once by one `deliverDue` call. */
  concurrency: number;
  sender: WebhookSender;
  /** This process's lease owner. */
  owner: string;
  /** The owner and its `WORKER_ID/` prefix ('' when there is none): a restart takes back by it. */
  self: LeaseOwner;
  /** Delivery rows in one insert. */
  rowsPerInsert: number;
  /** Ids in one `in` list. */
  idsPerQuery: number;
  /** A manual attempt holds the delivery this long: the request's deadline and a margin. */
  manualLeaseMs: number;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CONCURRENCY = 20;
export const MAX_ROWS_PER_INSERT = 500;
const MAX_IDS_PER_QUERY = 1000;
const DELIVERY_COLUMNS = 15;

export function webhooksContext(deps: WebhooksDeps): WebhooksContext {
  const { capabilities, settings } = deps;
  const timeoutMs = settings.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const concurrency = settings.concurrency ?? DEFAULT_CONCURRENCY;
  const sender = deps.net.createSender({ allowPrivate: settings.allowPrivate, timeoutMs });
  const self =
    deps.owner === undefined ? leaseOwner() : { owner: deps.owner, prefix: ownerPrefix(deps.owner) };
  const { owner } = self;
  const rowsPerInsert = itemsPerStatement(capabilities.maxParameters, DELIVERY_COLUMNS, {
    cap: MAX_ROWS_PER_INSERT,
  });
  const idsPerQuery = itemsPerStatement(capabilities.maxParameters, 1, {
    cap: MAX_IDS_PER_QUERY,
    reserved: 10,
  });
  return Object.assign({}, deps, {
    timeoutMs,
    concurrency,
    sender,
    owner,
    self,
    rowsPerInsert,
    idsPerQuery,
    manualLeaseMs: timeoutMs + 30_000,
  });
}

/** Where deliveries keep their leases (the lease helper's view of the table). */
export const DELIVERIES: LeasedTable = { table: 'webhook_deliveries', owner: 'lease_owner' };

/** What an attempt needs of a delivery it holds (claimed by a worker, or taken for a manual attempt). */
export const CLAIMED_COLUMNS = [
  'id',
  'account_id',
  'endpoint_id',
  'event_id',
  'body',
  'attempts',
  'lease_until',
  'last_error',
  'manual_attempts',
] as const;

export type ClaimedDelivery = Pick<
  WebhookDeliveriesTable,
  | 'id'
  | 'account_id'
  | 'endpoint_id'
  | 'event_id'
  | 'body'
  | 'attempts'
  | 'lease_until'
  | 'last_error'
  | 'manual_attempts'
>;

export const succeeded = (o: PostOutcome) =>
  o.statusCode !== null && o.statusCode >= 200 && o.statusCode < 300;

export const iso = (ms: number) => new Date(Number(ms)).toISOString();
export const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export async function ownEndpoint(
  tx: DbOrTx,
  actor: ClientActor,
  id: string,
): Promise<WebhookEndpointsTable> {
  const row = await tx
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', actor.accountId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', 'No such webhook endpoint.');
  return row;
}

/** Stops an endpoint's pending deliveries (the lease reset also voids any result still in flight). */
export async function cancelPending(tx: DbOrTx, endpointId: string, now: number) {
  await tx
    .updateTable('webhook_deliveries')
    .set({ status: 'cancelled', lease_until: 0, lease_owner: null, completed_at: now })
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', 'pending')
    .execute();
}

/** Makes an endpoint's waiting deliveries due now (after an outage, or when the client asks). */
export async function flushBacklog(tx: DbOrTx, endpointId: string, now: number): Promise<number> {
  // `status = 'pending'` as a literal: that is how the partial index by endpoint is defined.
  const moved = await tx
    .updateTable('webhook_deliveries')
    .set({ next_attempt_at: now })
    .where('endpoint_id', '=', endpointId)
    .where('status', '=', sql.lit('pending'))
    .where('next_attempt_at', '>', now)
    // Deliveries in flight are left to the worker holding them (and never waited for).
    .where('lease_until', '<=', now)
    .executeTakeFirst();
  return Number(moved.numUpdatedRows);
}
