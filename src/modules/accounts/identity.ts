import { AppError } from '../../kernel/errors';
import type { DbOrTx } from '../../storage/database';
import { parseCountry } from '../phone';
import type { ClientActor } from './actor';
import { createBackground } from './background';
import { checkSecrets } from './check-secrets';
import type { AccountsDeps } from './deps';
import { createLoginGuard, type LockOwner, type LoginAttempt } from './login-guard';
import { NEW_ACCOUNT_MESSAGING } from './messaging-settings';
import { ROLE_PERMISSIONS } from './permissions';
import { assertStrongPassword, hashPassword, randomToken, sha256 } from './secrets';
import { createSessions, type RequestMeta } from './sessions';
import { acceptTotp, newTotpSecret, totpUri } from './two-factor';
import { accountView, userView } from './views';

const VERIFY_TTL_MS = 7 * 24 * 3600_000;
const RESET_TTL_MS = 3600_000;

/** Where the privacy policy in force comes from (the compliance module's published versions). */
export interface PolicySource {
  current(): Promise<{ version: string; publishedAt: string | null }>;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Sign-up, login, sessions, e-mail verification, password reset and 2FA of client users. */
export function createIdentity(deps: AccountsDeps, policies?: PolicySource) {
  const { db, clock, ids, audit, ledger, mailer, settings } = deps;

  async function currentPolicy() {
    return policies ? policies.current() : { version: settings.policyVersion, publishedAt: null };
  }

  /**
   * Whether a user still has to accept the policy in force. Only versions the operator published are
   * asked for: the configured initial version is the one every sign-up accepted.
   */
  async function policyStatus(userId: string) {
    const current = await currentPolicy();
    if (current.publishedAt === null)
      return { policyVersion: current.version, policyAcceptanceRequired: false };
    const accepted = await db
      .selectFrom('policy_consents')
      .select('id')
      .where('user_id', '=', userId)
      .where('policy_version', '=', current.version)
      .executeTakeFirst();
    return { policyVersion: current.version, policyAcceptanceRequired: !accepted };
  }
  const sessions = createSessions(deps);
  const guard = createLoginGuard(deps);
  const background = createBackground(deps.log);

  /** Counts a failed attempt; when it engages a lock on a real user's e-mail, mails them the unlock link. */
  async function failed(attempt: LoginAttempt, owner: LockOwner | undefined, ip: string) {
    const { lockEngaged } = await attempt.fail();
    if (lockEngaged && owner) background.run('unlock mail', () => guard.mailUnlockLink(owner, ip));
  }

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

  /** Tells the owner of a taken address that someone tried to sign up with it, and what to do. */
  async function mailSignupNotice(email: string) {
    await mailer.send({
      to: email,
      subject: 'Someone tried to sign up to smsgate with your address',
      text: `Someone (perhaps you) tried to create a new smsgate account with this e-mail address, which already has one. No new account was made.\n\nTo use your account, log in:\n${settings.publicUrl}/login\n\nForgot your password? Set a new one:\n${settings.publicUrl}/reset-password\n\nIf it was not you, you can ignore this e-mail.\n`,
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

  async function loadUser(userId: string) {
    return db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  }

  return {
    sessions,

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
      const policyVersion = (await currentPolicy()).version;
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
      await sendVerification(user).catch(() => undefined);
      return { account: accountView(account), user: userView(user), session: result.session };
    },

    async login(
      input: { email: string; password: string; totpCode?: string | undefined },
      meta: RequestMeta,
    ) {
      const email = normaliseEmail(input.email);
      const ip = meta.ip ?? 'unknown';
      // The attempt is counted before anything is checked: concurrent guesses cannot outrun the limit.
      const attempt = await guard.reserve(email, ip);
      const found = await db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
      const user = await checkSecrets(
        db,
        clock.now(),
        attempt,
        { table: 'users', row: found, usable: true },
        input,
        () => failed(attempt, found, ip),
      );
      const account = await db
        .selectFrom('accounts')
        .selectAll()
        .where('id', '=', user.account_id)
        .executeTakeFirstOrThrow();
      const session = await db.transaction().execute(async (tx) => {
        await audit.record(tx, {
          accountId: user.account_id,
          actor: { type: 'user', id: user.id, ip: meta.ip },
          action: 'user.login',
          target: { type: 'user', id: user.id },
        });
        return sessions.create(tx, { type: 'user', id: user.id, accountId: user.account_id }, meta);
      });
      return {
        user: userView(user),
        account: accountView(account),
        session,
        ...(await policyStatus(user.id)),
      };
    },

    policyStatus,

    /** Records the user's acceptance of the policy version in force (again: a no-op answer). */
    async acceptPolicy(actor: ClientActor, version: string, meta: RequestMeta) {
      if (actor.kind !== 'user')
        throw new AppError('forbidden', 'Only a signed-in user can accept the policy.');
      const current = await currentPolicy();
      if (version !== current.version)
        throw new AppError('policy_version_mismatch', `The current policy version is ${current.version}.`);
      const already = await db
        .selectFrom('policy_consents')
        .select('id')
        .where('user_id', '=', actor.id)
        .where('policy_version', '=', version)
        .executeTakeFirst();
      if (!already) {
        await db.transaction().execute(async (tx) => {
          await tx
            .insertInto('policy_consents')
            .values({
              id: ids('evt'),
              account_id: actor.accountId,
              user_id: actor.id,
              policy_version: version,
              accepted_at: clock.now(),
              ip: meta.ip,
              user_agent: meta.userAgent?.slice(0, 500) ?? null,
            })
            .execute();
          await audit.record(tx, {
            accountId: actor.accountId,
            actor: { type: 'user', id: actor.id, ip: meta.ip },
            action: 'policy.accepted',
            target: { type: 'policy', id: version },
          });
        });
      }
      return policyStatus(actor.id);
    },

    async logout(actor: ClientActor) {
      if (actor.sessionId) await sessions.destroy(db, actor.sessionId);
    },

    /** The actor behind a session cookie, or null when the session is unknown, expired or its user gone. */
    async actorFromSession(token: string, ip: string | null): Promise<ClientActor | null> {
      const session = await sessions.resolve(db, token, 'user');
      if (!session) return null;
      const user = await db
        .selectFrom('users')
        .select(['id', 'account_id', 'role'])
        .where('id', '=', session.principal_id)
        .executeTakeFirst();
      if (!user) return null;
      return {
        kind: 'user',
        accountId: user.account_id,
        id: user.id,
        role: user.role,
        permissions: ROLE_PERMISSIONS[user.role],
        sessionId: session.id,
        csrfToken: session.csrf_token,
        ip,
      };
    },

    async me(actor: ClientActor) {
      const account = await db
        .selectFrom('accounts')
        .selectAll()
        .where('id', '=', actor.accountId)
        .executeTakeFirstOrThrow();
      const user = actor.kind === 'user' ? userView(await loadUser(actor.id)) : null;
      const balance = await ledger.balance(db, actor.accountId);
      return {
        user,
        account: accountView(account),
        role: actor.role,
        permissions: [...actor.permissions],
        balance,
        csrfToken: actor.csrfToken,
        ...(actor.kind === 'user'
          ? await policyStatus(actor.id)
          : { policyVersion: (await currentPolicy()).version, policyAcceptanceRequired: false }),
      };
    },

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

    /** Settles once the mails and look-ups started after earlier answers are done (tests, shutdown). */
    settled: () => background.settled(),

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

    async startTwoFactor(actor: ClientActor) {
      if (actor.kind !== 'user') throw new AppError('forbidden', 'Only a signed-in user can enrol in 2FA.');
      const user = await loadUser(actor.id);
      if (user.totp_enabled_at !== null) throw new AppError('conflict', '2FA is already enabled.');
      const secret = newTotpSecret();
      await db.updateTable('users').set({ totp_secret: secret }).where('id', '=', user.id).execute();
      return { secret, otpauthUrl: totpUri(secret, user.email) };
    },

    async enableTwoFactor(actor: ClientActor, code: string) {
      if (actor.kind !== 'user') throw new AppError('forbidden', 'Only a signed-in user can enrol in 2FA.');
      const user = await loadUser(actor.id);
      if (!user.totp_secret) throw new AppError('conflict', 'Start 2FA enrolment first.');
      const who = { table: 'users' as const, id: user.id, secret: user.totp_secret };
      if (!(await acceptTotp(db, who, code, clock.now()))) throw new AppError('invalid_two_factor_code');
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
      if (!(await acceptTotp(db, who, code, clock.now()))) throw new AppError('invalid_two_factor_code');
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

export type Identity = ReturnType<typeof createIdentity>;
