import { AppError } from '../../kernel/errors';
import type { DbOrTx } from '../../storage/database';
import type { AuditActor, AuditLog } from '../compliance';
import { assertSenderId } from '../messaging/sender-id';
import {
  type MessagingSettings,
  messagingSettingsSchema,
  parseMessagingSettings,
} from '../messaging/settings';

/** Settings a client may change themselves; the refund policy is the operator's to set. */
export type ClientMessagingPatch = Partial<
  Pick<MessagingSettings, 'defaultCountry' | 'defaultSender' | 'maxSegments' | 'smartEncoding'>
>;

/** Reads and changes the per-account settings kept in `accounts.settings`. */
export function createAccountSettings(deps: { db: DbOrTx; audit: AuditLog }) {
  return {
    async get(accountId: string): Promise<MessagingSettings> {
      const row = await deps.db
        .selectFrom('accounts')
        .select('settings')
        .where('id', '=', accountId)
        .executeTakeFirst();
      if (!row) throw new AppError('not_found', 'No such account.');
      return parseMessagingSettings(row.settings);
    },

    async patch(
      actor: AuditActor,
      accountId: string,
      patch: Partial<MessagingSettings>,
    ): Promise<MessagingSettings> {
      if (patch.defaultSender !== undefined) assertSenderId(patch.defaultSender, '/body/defaultSender');
      const run = async (tx: DbOrTx) => {
        const row = await tx
          .selectFrom('accounts')
          .select('settings')
          .where('id', '=', accountId)
          .executeTakeFirst();
        if (!row) throw new AppError('not_found', 'No such account.');
        const all = JSON.parse(row.settings || '{}') as Record<string, unknown>;
        const next = messagingSettingsSchema.parse({ ...parseMessagingSettings(row.settings), ...patch });
        await tx
          .updateTable('accounts')
          .set({ settings: JSON.stringify({ ...all, messaging: next }) })
          .where('id', '=', accountId)
          .execute();
        await deps.audit.record(tx, {
          accountId,
          actor,
          action: 'account.settings_changed',
          target: { type: 'account', id: accountId },
          data: patch,
        });
        return next;
      };
      return 'transaction' in deps.db ? deps.db.transaction().execute(run) : run(deps.db);
    },
  };
}

export type AccountSettings = ReturnType<typeof createAccountSettings>;
