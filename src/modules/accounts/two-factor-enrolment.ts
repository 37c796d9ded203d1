/** A client user's own 2FA: enrolment (a TOTP secret confirmed by a first code) and switching it off. */
import { AppError } from '../../kernel/errors';
import type { ClientActor } from './actor';
import type { IdentityContext } from './identity-shared';
import { acceptTotp, newTotpSecret, sealTotpSecret, totpUri } from './two-factor';

export function createTwoFactorEnrolment(ctx: IdentityContext) {
  const { db, clock, audit, loadUser, secrets } = ctx;
  return {
    async startTwoFactor(actor: ClientActor) {
      if (actor.kind !== 'user') throw new AppError('forbidden', 'Only a signed-in user can enrol in 2FA.');
      const user = await loadUser(actor.id);
      if (user.totp_enabled_at !== null) throw new AppError('conflict', '2FA is already enabled.');
      const secret = newTotpSecret();
      await db
        .updateTable('users')
        .set({ totp_secret: sealTotpSecret(secrets, secret) })
        .where('id', '=', user.id)
        .execute();
      return { secret, otpauthUrl: totpUri(secret, user.email) };
    },

    async enableTwoFactor(actor: ClientActor, code: string) {
      if (actor.kind !== 'user') throw new AppError('forbidden', 'Only a signed-in user can enrol in 2FA.');
      const user = await loadUser(actor.id);
      if (!user.totp_secret) throw new AppError('conflict', 'Start 2FA enrolment first.');
      const who = { table: 'users' as const, id: user.id, secret: user.totp_secret };
      if (!(await acceptTotp(db, secrets, who, code, clock.now())))
        throw new AppError('invalid_two_factor_code');
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable('users')
          .set({ totp_enabled_at: clock.now() })
          .where('id', '=', user.id)
          .execute();
        await audit.record(tx, {
          accountId: user.account_id,
          actor: { type: 'user', id: user.id, ip: actor.ip },
          action: 'user.2fa_enabled',
          target: { type: 'user', id: user.id },
        });
      });
    },

    async disableTwoFactor(actor: ClientActor, code: string) {
      if (actor.kind !== 'user') throw new AppError('forbidden', 'Only a signed-in user can change 2FA.');
      const user = await loadUser(actor.id);
      if (user.totp_enabled_at === null || !user.totp_secret)
        throw new AppError('conflict', '2FA is not enabled.');
      const who = { table: 'users' as const, id: user.id, secret: user.totp_secret };
      if (!(await acceptTotp(db, secrets, who, code, clock.now())))
        throw new AppError('invalid_two_factor_code');
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable('users')
          .set({ totp_enabled_at: null, totp_secret: null })
          .where('id', '=', user.id)
          .execute();
        await audit.record(tx, {
          accountId: user.account_id,
          actor: { type: 'user', id: user.id, ip: actor.ip },
          action: 'user.2fa_disabled',
          target: { type: 'user', id: user.id },
        });
      });
    },
  };
}
