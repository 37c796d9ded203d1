/** Login and logout of client users, the actor behind a session cookie, and what a user sees of themself. */
import type { ClientActor } from './actor';
import { checkSecrets, failedSignIn } from './check-secrets';
import { type IdentityContext, normaliseEmail } from './identity-shared';
import { ROLE_PERMISSIONS } from './permissions';
import type { PolicyConsent } from './policy-consent';
import type { RequestMeta } from './sessions';
import { accountView, userView } from './views';

export function createLogin(
  ctx: IdentityContext,
  policy: Pick<PolicyConsent, 'currentPolicy' | 'policyStatus'>,
) {
  const { db, clock, audit, ledger, sessions, guard, background, loadUser, secrets } = ctx;

  const failed = failedSignIn(guard, background);

  return {
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
        secrets,
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
        ...(await policy.policyStatus(user.id)),
      };
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
          ? await policy.policyStatus(actor.id)
          : { policyVersion: (await policy.currentPolicy()).version, policyAcceptanceRequired: false }),
      };
    },
  };
}
