/**
 * What is proved through links mailed to a user: e-mail confirmation, password reset, and the lifting of
 * a sign-in lock. Each link carries a one-time token, stored hashed, that expires.
 */
import { AppError } from '../../kernel/errors';
import type { DbOrTx } from '../../storage/database';
import type { ClientActor } from './actor';
import { type IdentityContext, normaliseEmail } from './identity-shared';
import { assertStrongPassword, hashPassword, randomToken, sha256 } from './secrets';
import type { RequestMeta } from './sessions';

const VERIFY_TTL_MS = 7 * 24 * 3600_000;
const RESET_TTL_MS = 3600_000;

export function createEmailLinks(ctx: IdentityContext) {
  const { db, clock, ids, audit, ledger, mailer, settings, sessions, guard, background, loadUser } = ctx;

  async function issueToken(userId: string, purpose: 'verify_email' | 'reset_password', ttl: number) {
    const token = randomToken();
    await db
      .insertInto('auth_tokens')
      .values({
        id: ids('tok'),
        user_id: userId,
        purpose,
        token_hash: sha256(token),
        created_at: clock.now(),
        expires_at: clock.now() + ttl,
        used_at: null,
      })
      .execute();
    return token;
  }

  async function sendVerification(user: { id: string; email: string }) {
    const token = await issueToken(user.id, 'verify_email', VERIFY_TTL_MS);
    await mailer.send({
      to: user.email,
      subject: 'Confirm your e-mail for smsgate',
      text: `Confirm your e-mail address by opening:\n${settings.publicUrl}/verify-email?token=${token}\n\nOr POST {"token":"${token}"} to /v1/auth/verify-email.\n`,
    });
  }

  /** Consumes a one-time token; throws invalid_token when unknown, used or expired. */
  async function consumeToken(token: string, purpose: 'verify_email' | 'reset_password', tx: DbOrTx = db) {
    const now = clock.now();
    const row = await tx
      .updateTable('auth_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', sha256(token))
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning(['user_id'])
      .executeTakeFirst();
    if (!row) throw new AppError('invalid_token');
    return row.user_id;
  }

  return {
    sendVerification,

    async verifyEmail(token: string) {
      const userId = await consumeToken(token, 'verify_email');
      await db.transaction().execute(async (tx) => {
        const user = await tx
          .selectFrom('users')
          .select(['account_id', 'role'])
          .where('id', '=', userId)
          .executeTakeFirst();
        if (!user) throw new AppError('invalid_token');
        await tx
          .updateTable('users')
          .set({ email_verified_at: clock.now() })
          .where('id', '=', userId)
          .execute();
        // An owner's verified e-mail makes the free sign-up credits spendable.
        if (user.role === 'owner') await ledger.unlockGrants(tx, user.account_id);
        await audit.record(tx, {
          accountId: user.account_id,
          actor: { type: 'user', id: userId },
          action: 'user.email_verified',
          target: { type: 'user', id: userId },
        });
      });
    },

    async resendVerification(actor: ClientActor) {
      if (actor.kind !== 'user') throw new AppError('forbidden', 'Only a signed-in user can ask for this.');
      const user = await loadUser(actor.id);
      if (user.email_verified_at === null) await sendVerification(user);
    },

    /**
     * Always succeeds at once, whether or not the e-mail exists: the throttle (per e-mail and per IP,
     * per hour), the look-up and the mail all run after the answer, so neither the answer nor its timing
     * tells whether the e-mail is registered. Requests over a limit are simply not sent.
     */
    requestPasswordReset(emailInput: string, meta: RequestMeta): void {
      const email = normaliseEmail(emailInput);
      const ip = meta.ip ?? 'unknown';
      background.run('password reset mail', async () => {
        const limits = { perKey: settings.resetMaxPerEmail, perIp: settings.resetMaxPerIp };
        if (!(await guard.take('reset', email, ip, limits))) return;
        const user = await db
          .selectFrom('users')
          .select(['id', 'email'])
          .where('email', '=', email)
          .executeTakeFirst();
        if (!user) return;
        const token = await issueToken(user.id, 'reset_password', RESET_TTL_MS);
        await mailer.send({
          to: user.email,
          subject: 'Reset your smsgate password',
          text: `Set a new password by opening:\n${settings.publicUrl}/reset-password?token=${token}\n\nThe link works once, for one hour. If you did not ask for it, ignore this e-mail.\n`,
        });
      });
    },

    /** Lifts the sign-in lock of the user or staff member the e-mailed unlock token belongs to. */
    async unlock(token: string) {
      await guard.unlock(token);
    },

    async resetPassword(token: string, password: string) {
      // Check the new password before spending the token, so a weak choice can be corrected with the same link.
      const pending = await db
        .selectFrom('auth_tokens')
        .innerJoin('users', 'users.id', 'auth_tokens.user_id')
        .select(['users.email'])
        .where('auth_tokens.token_hash', '=', sha256(token))
        .where('auth_tokens.purpose', '=', 'reset_password')
        .where('auth_tokens.used_at', 'is', null)
        .where('auth_tokens.expires_at', '>', clock.now())
        .executeTakeFirst();
      if (!pending) throw new AppError('invalid_token');
      assertStrongPassword(password, pending.email);
      const passwordHash = await hashPassword(password);
      await db.transaction().execute(async (tx) => {
        const userId = await consumeToken(token, 'reset_password', tx);
        const user = await tx
          .selectFrom('users')
          .selectAll()
          .where('id', '=', userId)
          .executeTakeFirstOrThrow();
        // Every other reset link and unused invitation of this user dies with it: a link mailed earlier
        // (perhaps read by someone else) must not set the password again.
        await tx
          .updateTable('auth_tokens')
          .set({ used_at: clock.now() })
          .where('user_id', '=', userId)
          .where('purpose', '=', 'reset_password')
          .where('used_at', 'is', null)
          .execute();
        // Setting a password also proves control of the mailbox.
        await tx
          .updateTable('users')
          .set({ password_hash: passwordHash, email_verified_at: user.email_verified_at ?? clock.now() })
          .where('id', '=', userId)
          .execute();
        if (user.role === 'owner') await ledger.unlockGrants(tx, user.account_id);
        await sessions.destroyAllOf(tx, userId);
        await audit.record(tx, {
          accountId: user.account_id,
          actor: { type: 'user', id: userId },
          action: 'user.password_reset',
          target: { type: 'user', id: userId },
        });
      });
    },
  };
}

export type EmailLinks = ReturnType<typeof createEmailLinks>;
