import { AppError } from '../../kernel/errors';
import type { ClientActor } from '../../modules/accounts';
import type { createSender, MessageView } from '../../modules/messaging';
import type { SmppCredentials, SmppDeliveries } from '../../modules/smpp-accounts';
import type { SmppFrontDoor } from './server';

/** Where a submit_sm's fields sit, for the accept path's error paths. */
const SMPP_PATHS = {
  to: 'destination_addr',
  text: 'short_message',
  from: 'source_addr',
  sendAt: 'schedule_delivery_time',
  validUntil: 'validity_period',
};

const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());

function isCode(error: unknown, code: string): boolean {
  return error instanceof AppError && error.code === code;
}

/**
 * The SMPP server's front door onto the platform: binds checked by the credentials, submits through the
 * same accept path as `POST /v1/messages` (with the receipt bookkeeping in its transaction), query and
 * cancel through the message reader and cancel, deliver_sm PDUs from the deliveries queue.
 */
export function createSmppDoor(deps: {
  credentials: SmppCredentials;
  deliveries: SmppDeliveries;
  send: ReturnType<typeof createSender>;
  message: (accountId: string, id: string) => Promise<MessageView>;
  cancel: (actor: ClientActor, id: string) => Promise<unknown>;
  newMessageId: () => string;
}): SmppFrontDoor {
  const { credentials, deliveries } = deps;
  return {
    authenticate: (systemId, password, ip) => credentials.authenticate(systemId, password, ip),
    recordBind: (binder, mode, ip) => credentials.recordBind(binder, mode, ip),
    newMessageId: deps.newMessageId,
    async submit(binder, m) {
      const item = {
        to: m.to,
        text: m.text,
        from: m.from,
        sendAt: iso(m.sendAt),
        validUntil: iso(m.validUntil),
        path: SMPP_PATHS,
      };
      const result = await deps.send(binder.actor, [item], {
        allOrNothing: true,
        idempotency: null,
        ...(m.messageId ? { messageId: m.messageId } : {}),
        within: (tx, r) =>
          deliveries.recordSubmits(tx, r, {
            credentialId: binder.credentialId,
            accountId: binder.accountId,
            registeredDelivery: m.registeredDelivery,
            sourceAddr: m.sourceAddr,
          }),
      });
      return result.data[0]!.id;
    },
    async query(binder, messageId) {
      try {
        const m = await deps.message(binder.accountId, messageId);
        return {
          status: m.status,
          doneAt: m.doneAt ? Date.parse(m.doneAt) : null,
          carrierCode: m.error?.carrierCode ?? null,
        };
      } catch (error) {
        if (isCode(error, 'not_found')) return null;
        throw error;
      }
    },
    async cancel(binder, messageId) {
      try {
        await deps.cancel(binder.actor, messageId);
        return 'cancelled';
      } catch (error) {
        if (isCode(error, 'not_found')) return 'not_found';
        if (isCode(error, 'message_not_cancellable')) return 'not_cancellable';
        throw error;
      }
    },
    claim: (accountIds, limit, leaseMs) => deliveries.claim(accountIds, limit, leaseMs),
    acknowledge: (id) => deliveries.acknowledge(id),
    release: (ids) => deliveries.release(ids),
    onCredentialRemoved: (listener) => credentials.onRemoved(listener),
  };
}
