/** The privacy policy in force, and whether a user has accepted it. */
import { AppError } from '../../kernel/errors';
import type { ClientActor } from './actor';
import type { IdentityContext } from './identity-shared';
import type { RequestMeta } from './sessions';

export function createPolicyConsent(ctx: IdentityContext) {
  const { db, clock, ids, audit, settings, policies } = ctx;

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

  return {
    currentPolicy,
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
  };
}

export type PolicyConsent = ReturnType<typeof createPolicyConsent>;
