import { AppError } from '../../kernel/errors';
import type { DbOrTx } from '../../storage/database';
import type { AuditActor, AuditLog } from '../audit';
import { assertSenderId, parseCountry } from '../phone';
import {
  type MessagingSettings,
  messagingSettingsSchema,
  parseMessagingSettings,
} from './messaging-settings';

/** Settings a client may change themselves; the refund policy is the operator's to set. */
export type ClientMessagingPatch = Partial<
  Pick<MessagingSettings, 'defaultCountry' | 'defaultSender' | 'maxSegments' | 'smartEncoding'>
>;

/** The settings as clients read them: the account's own, and the operator's shared sender it falls back to. */
export type AccountSettingsView = MessagingSettings & { sharedSender: string | null };

/** Reads and changes the per-account settings kept in `accounts.settings`. */
export function createAccountSettings(deps: {
  db: DbOrTx;
  audit: AuditLog;
  /** The operator's shared sender (`DEFAULT_SENDER`), used when an account has none of its own. */
  sharedSender?: string | null;
}) {
  const view = (settings: MessagingSettings): AccountSettingsView =>
    Object.assign(settings, { sharedSender: deps.sharedSender ?? null });
  return {
    async get(accountId: string): Promise<AccountSettingsView> {
      const row = await deps.db
        .selectFrom('accounts')
        .select('settings')
        .where('id', '=', accountId)
        .executeTakeFirst();
      if (!row) throw new AppError('not_found', 'No such account.');
      return view(parseMessagingSettings(row.settings));
    },

    async patch(
      actor: AuditActor,
      accountId: string,
      input: Partial<MessagingSettings>,
    ): Promise<AccountSettingsView> {
      const patch = { ...input };
      // null clears the account's own sender (messages then use the shared one).
      if (typeof patch.defaultSender === 'string') assertSenderId(patch.defaultSender, '/body/defaultSender');
      if (typeof patch.defaultCountry === 'string')
        patch.defaultCountry = parseCountry(patch.defaultCountry, '/body/defaultCountry');
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
      return view(await ('transaction' in deps.db ? deps.db.transaction().execute(run) : run(deps.db)));
    },
  };
}

export type AccountSettings = ReturnType<typeof createAccountSettings>;
