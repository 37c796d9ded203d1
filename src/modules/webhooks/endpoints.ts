/**
 * A client's webhook endpoints: create (with the address rules), list, read, change, delete, rotate the
 * signing secret, and send a signed test event now.
 */
import { AppError } from '../../kernel/errors';
import type { MessageStatus } from '../../storage/schema';
import type { WebhookEndpointsTable } from '../../storage/schema-webhooks';
import type { ClientActor } from '../accounts';
import { auditActorOf } from '../audit';
import { hostOf, parseWebhookUrl } from './addresses';
import type { Attempts, ManualAttemptResult } from './attempts';
import type { DeliveryWorker } from './delivery-worker';
import type { Enqueue } from './enqueue';
import { parseEventTypes, parseStatusFilter, type WebhookEventType } from './events';
import { cancelPending, iso, isoOrNull, ownEndpoint, type WebhooksContext } from './shared';
import { generateSecret } from './signing';

export interface EndpointView {
  id: string;
  url: string;
  description: string | null;
  events: WebhookEventType[];
  /** The statuses its `message.status` events are sent for; null: every status. */
  statuses: MessageStatus[] | null;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** Attempts that timed out: the receiver may have processed them all the same. */
  timeouts: number;
  /**
   * Deliveries that succeeded on a retry after a timed-out attempt: the receiver probably got them twice
   * (with the same `webhook-id`, by which receivers must de-duplicate).
   */
  duplicatesSuspected: number;
  /** Since when its attempts fail (null: the last one succeeded). */
  failingSince: string | null;
}

/** The event type of test events (never subscribed to: sent only when the client asks). */
export const TEST_EVENT_TYPE = 'webhook.test';

/** Most endpoints one account may have: every event fans out to each of them. */
export const MAX_ENDPOINTS_PER_ACCOUNT = 20;
/** How long the previous secret still signs deliveries after a rotation. */
export const SECRET_ROTATION_GRACE_MS = 24 * 3600_000;

function endpointView(row: WebhookEndpointsTable): EndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as WebhookEventType[],
    statuses: row.statuses ? (JSON.parse(row.statuses) as MessageStatus[]) : null,
    enabled: Number(row.enabled) === 1,
    disabledReason: row.disabled_reason,
    disabledAt: isoOrNull(row.disabled_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    timeouts: Number(row.timeouts ?? 0),
    duplicatesSuspected: Number(row.duplicates_suspected ?? 0),
    failingSince: isoOrNull(row.failing_since ?? null),
  };
}

export function createEndpoints(
  ctx: WebhooksContext,
  parts: {
    enqueue: Pick<Enqueue, 'deliveryRow' | 'insertDeliveries'>;
    worker: Pick<DeliveryWorker, 'attemptNow'>;
    attempts: Pick<Attempts, 'manualResult'>;
  },
) {
  const { db, clock, ids, audit, settings, owner, manualLeaseMs } = ctx;
  const { deliveryRow, insertDeliveries } = parts.enqueue;
  const { attemptNow } = parts.worker;
  const { manualResult } = parts.attempts;

  async function checkedUrl(raw: string): Promise<string> {
    const url = parseWebhookUrl(raw);
    if (!settings.allowPrivate) await ctx.net.assertPublicHost(url);
    return url.href;
  }

  return {
    /** Creates an endpoint; the answer is the only one that carries the signing secret. */
    async createEndpoint(
      actor: ClientActor,
      input: {
        url: string;
        events: readonly string[];
        statuses?: readonly string[] | null | undefined;
        description?: string | null | undefined;
      },
    ): Promise<EndpointView & { secret: string }> {
      const events = parseEventTypes(input.events);
      const statuses = parseStatusFilter(input.statuses, events);
      const url = await checkedUrl(input.url);
      const now = clock.now();
      const row: WebhookEndpointsTable = {
        id: ids('whk'),
        account_id: actor.accountId,
        url,
        description: input.description?.trim() || null,
        events: JSON.stringify(events),
        statuses: statuses === null ? null : JSON.stringify(statuses),
        secret: generateSecret(),
        previous_secret: null,
        previous_secret_expires_at: null,
        enabled: 1,
        disabled_reason: null,
        disabled_at: null,
        created_at: now,
        updated_at: now,
      };
      await db.transaction().execute(async (tx) => {
        const { n } = await tx
          .selectFrom('webhook_endpoints')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('account_id', '=', actor.accountId)
          .executeTakeFirstOrThrow();
        if (Number(n) >= MAX_ENDPOINTS_PER_ACCOUNT) {
          throw new AppError(
            'conflict',
            `An account may have at most ${MAX_ENDPOINTS_PER_ACCOUNT} webhooks.`,
          );
        }
        await tx.insertInto('webhook_endpoints').values(row).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'webhook.created',
          target: { type: 'webhook', id: row.id },
          data: { host: hostOf(new URL(url)), events, statuses },
        });
      });
      return { ...endpointView(row), secret: row.secret };
    },

    async listEndpoints(actor: ClientActor): Promise<EndpointView[]> {
      const rows = await db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('account_id', '=', actor.accountId)
        .orderBy('id', 'desc')
        .execute();
      return rows.map(endpointView);
    },

    async getEndpoint(actor: ClientActor, id: string): Promise<EndpointView> {
      return endpointView(await ownEndpoint(db, actor, id));
    },

    /**
     * Changes the URL, the subscriptions, the description or the enabled flag. Disabling stops the
     * pending deliveries; enabling again (also after a 410) clears the reason.
     */
    async updateEndpoint(
      actor: ClientActor,
      id: string,
      input: {
        url?: string | undefined;
        events?: readonly string[] | undefined;
        /** null removes the filter. */
        statuses?: readonly string[] | null | undefined;
        enabled?: boolean | undefined;
        description?: string | null | undefined;
      },
    ): Promise<EndpointView> {
      const events = input.events === undefined ? undefined : parseEventTypes(input.events);
      const url = input.url === undefined ? undefined : await checkedUrl(input.url);
      return db.transaction().execute(async (tx) => {
        const current = await ownEndpoint(tx, actor, id);
        const now = clock.now();
        const change: Partial<WebhookEndpointsTable> = { updated_at: now };
        if (url !== undefined) change.url = url;
        if (events !== undefined) change.events = JSON.stringify(events);
        const subscribed = events ?? (JSON.parse(current.events) as WebhookEventType[]);
        let statuses: MessageStatus[] | null | undefined;
        if (input.statuses !== undefined) statuses = parseStatusFilter(input.statuses, subscribed);
        // No longer subscribed to message.status: a kept filter would filter nothing, and would surprise
        // whoever subscribes again later.
        else if (current.statuses && !subscribed.includes('message.status')) statuses = null;
        if (statuses !== undefined) change.statuses = statuses === null ? null : JSON.stringify(statuses);
        if (input.description !== undefined) change.description = input.description?.trim() || null;
        const wasEnabled = Number(current.enabled) === 1;
        if (input.enabled === true && !wasEnabled) {
          Object.assign(change, { enabled: 1, disabled_reason: null, disabled_at: null });
        } else if (input.enabled === false && wasEnabled) {
          Object.assign(change, {
            enabled: 0,
            disabled_reason: 'Disabled by the account.',
            disabled_at: now,
          });
          await cancelPending(tx, id, now);
        }
        await tx.updateTable('webhook_endpoints').set(change).where('id', '=', id).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'webhook.updated',
          target: { type: 'webhook', id },
          data: {
            ...(url !== undefined ? { host: hostOf(new URL(url)) } : {}),
            ...(events !== undefined ? { events } : {}),
            ...(statuses !== undefined ? { statuses } : {}),
            ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
          },
        });
        return endpointView({ ...current, ...change });
      });
    },

    /** Deletes an endpoint with its deliveries and their attempts. */
    async deleteEndpoint(actor: ClientActor, id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const current = await ownEndpoint(tx, actor, id);
        await tx
          .deleteFrom('webhook_attempts')
          .where('delivery_id', 'in', (eb) =>
            eb.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', id),
          )
          .execute();
        await tx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
        await tx.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'webhook.deleted',
          target: { type: 'webhook', id },
          data: { host: hostOf(new URL(current.url)) },
        });
      });
    },

    /**
     * A new signing secret. For 24 hours deliveries carry a signature with each secret (space-separated
     * in `webhook-signature`), so receivers can switch without losing events.
     */
    async rotateSecret(actor: ClientActor, id: string): Promise<EndpointView & { secret: string }> {
      return db.transaction().execute(async (tx) => {
        const current = await ownEndpoint(tx, actor, id);
        const now = clock.now();
        const change = {
          secret: generateSecret(),
          previous_secret: current.secret,
          previous_secret_expires_at: now + SECRET_ROTATION_GRACE_MS,
          updated_at: now,
        };
        await tx.updateTable('webhook_endpoints').set(change).where('id', '=', id).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'webhook.secret_rotated',
          target: { type: 'webhook', id },
        });
        return { ...endpointView({ ...current, ...change }), secret: change.secret };
      });
    },

    /**
     * Sends a signed `webhook.test` event to the endpoint now (disabled ones too: a way to check a receiver
     * before enabling it again) and answers the attempt. The event is a delivery of its own, listed with
     * the others; it is not retried on the ladder (a 410 still disables the endpoint, as for any event).
     */
    async sendTest(actor: ClientActor, endpointId: string): Promise<ManualAttemptResult> {
      const endpoint = await ownEndpoint(db, actor, endpointId);
      const now = clock.now();
      const eventId = ids('evt');
      const body = JSON.stringify({
        id: eventId,
        type: TEST_EVENT_TYPE,
        createdAt: iso(now),
        data: { endpointId, message: 'A test event: your endpoint receives and verifies smsgate webhooks.' },
      });
      const row = deliveryRow(endpoint, { id: eventId, type: TEST_EVENT_TYPE, body, orderKey: null }, now);
      // Held by this process from the start: no worker attempts it while this request does.
      Object.assign(row, { lease_until: now + manualLeaseMs, lease_owner: owner });
      await db.transaction().execute(async (tx) => {
        await insertDeliveries(tx, [row]);
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'webhook.test_sent',
          target: { type: 'webhook', id: endpointId },
          data: { deliveryId: row.id },
        });
      });
      const outcome = await attemptNow(endpoint, row, 'test', 'pending');
      return manualResult(row.id, outcome);
    },
  };
}

export type Endpoints = ReturnType<typeof createEndpoints>;
