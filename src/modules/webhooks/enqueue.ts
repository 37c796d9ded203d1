/**
 * Events into delivery rows: inside the transaction of the change that caused them, the subscribed
 * endpoints of each event's account (type and status filter) get one pending delivery each, written with
 * multi-row inserts. Also builds the delivery rows of a redelivery and of a test event.
 */
import { chunks } from '../../storage/chunk';
import type { DbOrTx } from '../../storage/database';
import { prepared, slot } from '../../storage/prepared';
import { preparedInsert } from '../../storage/prepared-insert';
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from '../../storage/schema-webhooks';
import { RETRY_LADDER_MS, type WebhookEvent } from './events';
import { iso, type WebhooksContext } from './shared';

/**
 * New deliveries: the columns `deliveryRow` writes, and the lease a manual attempt holds from the start
 * (null otherwise, its default); `manual_attempts` keeps its default. Compiled once per batch size.
 */
const insertDeliveryRows = preparedInsert('webhook_deliveries', [
  'id',
  'account_id',
  'endpoint_id',
  'event_id',
  'event_type',
  'body',
  'status',
  'attempts',
  'next_attempt_at',
  'lease_until',
  'last_attempt_at',
  'last_status_code',
  'last_error',
  'created_at',
  'completed_at',
  'order_key',
  'lease_owner',
]);

/** The enabled endpoints of one account (most batches of events are one account's): compiled once. */
const endpointsOfAccount = prepared<
  { accountId: string },
  Pick<WebhookEndpointsTable, 'id' | 'account_id' | 'events' | 'statuses'>
>((db) =>
  db
    .selectFrom('webhook_endpoints')
    .select(['id', 'account_id', 'events', 'statuses'])
    .where('account_id', '=', slot<string>('accountId'))
    .where('enabled', '=', 1),
);

/** What orders an event's deliveries: the message of a status event (its statuses go out in order). */
function orderKeyOf(event: WebhookEvent): string | null {
  if (event.type !== 'message.status') return null;
  const messageId = (event.data as { messageId?: unknown } | null)?.messageId;
  return typeof messageId === 'string' ? messageId : null;
}

/** An endpoint as the fan-out of events sees it. */
interface SubscribedEndpoint {
  id: string;
  account_id: string;
  types: Set<string>;
  /** The statuses of `message.status` events it takes; null: all. */
  statuses: Set<string> | null;
}

/** Whether an endpoint takes an event: subscribed to its type and, for a status, not filtered out. */
function wants(endpoint: SubscribedEndpoint, event: WebhookEvent): boolean {
  if (!endpoint.types.has(event.type)) return false;
  if (endpoint.statuses === null || event.type !== 'message.status') return true;
  const status = (event.data as { status?: unknown } | null)?.status;
  return typeof status === 'string' && endpoint.statuses.has(status);
}

export function createEnqueue(ctx: WebhooksContext) {
  const { clock, ids, rowsPerInsert, idsPerQuery } = ctx;

  function deliveryRow(
    endpoint: { id: string; account_id: string },
    event: { id: string; type: string; body: string; orderKey: string | null },
    now: number,
  ): WebhookDeliveriesTable {
    return {
      id: ids('whd'),
      account_id: endpoint.account_id,
      endpoint_id: endpoint.id,
      event_id: event.id,
      event_type: event.type,
      body: event.body,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now + RETRY_LADDER_MS[0]!,
      lease_until: 0,
      last_attempt_at: null,
      last_status_code: null,
      last_error: null,
      created_at: now,
      completed_at: null,
      order_key: event.orderKey,
    };
  }

  async function insertDeliveries(tx: DbOrTx, rows: WebhookDeliveriesTable[]) {
    await insertDeliveryRows(tx, rows, rowsPerInsert);
  }

  return {
    deliveryRow,
    insertDeliveries,

    /**
     * Records events for delivery. Call it INSIDE the transaction of the change that caused them: an
     * event exists iff that change committed. One indexed query finds the subscribed endpoints of every
     * account in the batch, and the deliveries are written with multi-row inserts; accounts without
     * endpoints cost nothing more. Returns the number of deliveries created.
     */
    async enqueue(tx: DbOrTx, events: readonly WebhookEvent[]): Promise<number> {
      if (events.length === 0) return 0;
      const accountIds = [...new Set(events.map((e) => e.accountId))];
      const endpoints: Array<Pick<WebhookEndpointsTable, 'id' | 'account_id' | 'events' | 'statuses'>> = [];
      for (const part of chunks(accountIds, idsPerQuery)) {
        const rows =
          part.length === 1
            ? (await endpointsOfAccount(tx, { accountId: part[0]! })).rows
            : await tx
                .selectFrom('webhook_endpoints')
                .select(['id', 'account_id', 'events', 'statuses'])
                .where('account_id', 'in', part)
                .where('enabled', '=', 1)
                .execute();
        endpoints.push(...rows);
      }
      if (endpoints.length === 0) return 0;
      const byAccount = new Map<string, SubscribedEndpoint[]>();
      for (const e of endpoints) {
        const list = byAccount.get(e.account_id) ?? [];
        list.push({
          id: e.id,
          account_id: e.account_id,
          types: new Set(JSON.parse(e.events) as string[]),
          statuses: e.statuses ? new Set(JSON.parse(e.statuses) as string[]) : null,
        });
        byAccount.set(e.account_id, list);
      }
      const now = clock.now();
      const createdAt = iso(now);
      const rows: WebhookDeliveriesTable[] = [];
      for (const event of events) {
        // The status filter applies here, so an event nobody wants creates no delivery row at all.
        const subscribed = byAccount.get(event.accountId)?.filter((e) => wants(e, event));
        if (!subscribed || subscribed.length === 0) continue;
        const id = ids('evt');
        const body = JSON.stringify({ id, type: event.type, createdAt, data: event.data ?? null });
        const orderKey = orderKeyOf(event);
        for (const endpoint of subscribed)
          rows.push(deliveryRow(endpoint, { id, type: event.type, body, orderKey }, now));
      }
      await insertDeliveries(tx, rows);
      return rows.length;
    },
  };
}

export type Enqueue = ReturnType<typeof createEnqueue>;
