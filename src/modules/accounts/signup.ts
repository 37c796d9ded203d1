/** Sign-up: a new account with its owner, policy consent, credits and first session, in one transaction. */
import { AppError } from '../../kernel/errors';
import { parseCountry } from '../phone';
import type { EmailLinks } from './email-links';
import { type IdentityContext, normaliseEmail } from './identity-shared';
import { NEW_ACCOUNT_MESSAGING } from './messaging-settings';
import type { PolicyConsent } from './policy-consent';
import { assertStrongPassword, hashPassword, randomToken } from './secrets';
import type { RequestMeta } from './sessions';
import { accountView, userView } from './views';

export function createSignup(
  ctx: IdentityContext,
  parts: { policy: Pick<PolicyConsent, 'currentPolicy'>; links: Pick<EmailLinks, 'sendVerification'> },
) {
  const { db, clock, ids, audit, ledger, mailer, settings, sessions, guard, background } = ctx;
  const { policy, links } = parts;

  /** Tells the owner of a taken address that someone tried to sign up with it, and what to do. */
  async function mailSignupNotice(email: string) {
    await mailer.send({
      to: email,
      subject: 'Someone tried to sign up to smsgate with your address',
      text: `Someone (perhaps you) tried to create a new smsgate account with this e-mail address, which already has one. No new account was made.\n\nTo use your account, log in:\n${settings.publicUrl}/login\n\nForgot your password? Set a new one:\n${settings.publicUrl}/reset-password\n\nIf it was not you, you can ignore this e-mail.\n`,
    });
  }

  return {
    async signup(
      input: {
        company: string;
        name: string;
        email: string;
        password: string;
        acceptPolicy: boolean;
        /** Where the business is: numbers written without `+` are read in this country. */
        defaultCountry?: string | null | undefined;
      },
      meta: RequestMeta,
    ) {
      if (input.acceptPolicy !== true) throw new AppError('policy_not_accepted');
      const email = normaliseEmail(input.email);
      assertStrongPassword(input.password, email);
      const defaultCountry = input.defaultCountry
        ? parseCountry(input.defaultCountry, '/body/defaultCountry')
        : null;
      const passwordHash = await hashPassword(input.password);
      const policyVersion = (await policy.currentPolicy()).version;
      const now = clock.now();
      const accountId = ids('acc');
      const userId = ids('usr');
      const account = {
        id: accountId,
        name: input.company.trim(),
        status: 'active' as const,
        default_country: null,
        // A new account's messaging settings; accounts made earlier keep what they had.
        settings: JSON.stringify({ messaging: Object.assign({ defaultCountry }, NEW_ACCOUNT_MESSAGING) }),
        created_at: now,
        suspended_at: null,
        closed_at: null,
      };
      const user = {
        id: userId,
        account_id: accountId,
        email,
        name: input.name.trim(),
        password_hash: passwordHash,
        role: 'owner' as const,
        email_verified_at: null,
        totp_secret: null,
        totp_enabled_at: null,
        created_at: now,
      };
      const result = await db.transaction().execute(async (tx) => {
        const existing = await tx
          .selectFrom('users')
          .select(['id', 'email'])
          .where('email', '=', email)
          .executeTakeFirst();
        if (existing) return { kind: 'taken' as const, owner: existing };
        await tx.insertInto('accounts').values(account).execute();
        await tx.insertInto('users').values(user).execute();
        await tx
          .insertInto('policy_consents')
          .values({
            id: ids('evt'),
            account_id: accountId,
            user_id: userId,
            policy_version: policyVersion,
            accepted_at: now,
            ip: meta.ip,
            user_agent: meta.userAgent?.slice(0, 500) ?? null,
          })
          .execute();
        await ledger.open(tx, accountId);
        if (settings.freeCreditsMicro > 0) {
          await ledger.credit(tx, {
            accountId,
            amountMicro: settings.freeCreditsMicro,
            kind: 'grant',
            note: 'Free credits on sign-up',
          });
        }
        const actor = { type: 'user' as const, id: userId, ip: meta.ip };
        await audit.record(tx, {
          accountId,
          actor,
          action: 'account.signup',
          target: { type: 'account', id: accountId },
          data: { policyVersion },
        });
        const session = await sessions.create(tx, { type: 'user', id: userId, accountId }, meta);
        return { kind: 'created' as const, session };
      });
      if (result.kind === 'taken') {
        // The address has an owner: answer exactly as for a new account (ids, views, a session cookie that
        // opens nothing), create nothing, and tell the owner instead, so sign-up cannot probe for users.
        const taken = result.owner;
        const ip = meta.ip ?? 'unknown';
        background.run('sign-up notice', async () => {
          const limits = { perKey: 1, perIp: settings.resetMaxPerIp };
          if (await guard.take('signup_notice', taken.email, ip, limits)) await mailSignupNotice(taken.email);
        });
        const decoy = {
          token: randomToken(),
          sessionId: ids('ses'),
          csrfToken: randomToken(24),
          expiresAt: now + settings.sessionTtlMs,
        };
        return { account: accountView(account), user: userView(user), session: decoy };
      }
      // Mail goes out after the commit: a failed mail must not undo a sign-up (it can be re-sent).
      await links.sendVerification(user).catch(() => undefined);
      return { account: accountView(account), user: userView(user), session: result.session };
    },
  };
}
