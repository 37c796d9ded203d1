import { AppError } from '../../kernel/errors';
import type { DbOrTx } from '../../storage/database';
import { isUniqueViolation } from '../../storage/unique-violation';
import { auditActorOf } from '../audit';
import type { ClientActor } from './actor';
import { createApiKeys } from './api-keys';
import type { AccountsDeps } from './deps';
import { normaliseEmail } from './identity-shared';
import type { Role } from './permissions';
import { hashPassword, randomToken, sha256 } from './secrets';
import { createSessions } from './sessions';
import { userView } from './views';

const INVITE_TTL_MS = 7 * 24 * 3600_000;

/**
 * Team members of an account: invite, change role, remove (effective on the very next request, for the
 * member's sessions and the API keys they created alike).
 */
export function createTeam(deps: AccountsDeps) {
  const { db, clock, ids, audit, mailer, settings } = deps;
  const sessions = createSessions(deps);
  const apiKeys = createApiKeys(deps);

  async function findMember(tx: DbOrTx, actor: ClientActor, userId: string) {
    const user = await tx
      .selectFrom('users')
      .selectAll()
      .where('id', '=', userId)
      .where('account_id', '=', actor.accountId)
      .executeTakeFirst();
    if (!user) throw new AppError('not_found', 'No such user in this account.');
    return user;
  }

  function assertMayAssign(actor: ClientActor, role: Role) {
    // Only an owner may make or unmake owners: an admin cannot promote itself above its station.
    if (role === 'owner' && actor.role !== 'owner') {
      throw new AppError('forbidden', 'Only an owner can grant or change the owner role.');
    }
  }

  async function assertNotLastOwner(tx: DbOrTx, accountId: string, userId: string) {
    const owners = await tx
      .selectFrom('users')
      .select('id')
      .where('account_id', '=', accountId)
      .where('role', '=', 'owner')
      .execute();
    if (owners.length === 1 && owners[0]!.id === userId) throw new AppError('last_owner');
  }

  return {
    async list(actor: ClientActor) {
      const rows = await db
        .selectFrom('users')
        .selectAll()
        .where('account_id', '=', actor.accountId)
        .orderBy('id')
        .execute();
      return rows.map(userView);
    },

    async invite(actor: ClientActor, input: { email: string; name: string; role: Role }) {
      assertMayAssign(actor, input.role);
      const email = normaliseEmail(input.email);
      const now = clock.now();
      const token = randomToken();
      const user = {
        id: ids('usr'),
        account_id: actor.accountId,
        email,
        name: input.name.trim(),
        // Unusable until the invitee sets a password through the invitation link.
        password_hash: await hashPassword(randomToken()),
        role: input.role,
        email_verified_at: null,
        totp_secret: null,
        totp_enabled_at: null,
        created_at: now,
      };
      // The e-mail says who invites them to what: a bare "a team on smsgate" reads like phishing.
      const from = await db.transaction().execute(async (tx) => {
        const existing = await tx
          .selectFrom('users')
          .select('id')
          .where('email', '=', email)
          .executeTakeFirst();
        if (existing) throw new AppError('email_taken');
        const account = await tx
          .selectFrom('accounts')
          .select('name')
          .where('id', '=', actor.accountId)
          .executeTakeFirstOrThrow();
        const inviter =
          actor.kind === 'user'
            ? await tx
                .selectFrom('users')
                .select(['name', 'email'])
                .where('id', '=', actor.id)
                .executeTakeFirst()
            : undefined;
        await tx
          .insertInto('users')
          .values(user)
          .execute()
          .catch((error: unknown) => {
            if (isUniqueViolation(error)) throw new AppError('email_taken');
            throw error;
          });
        await tx
          .insertInto('auth_tokens')
          .values({
            id: ids('tok'),
            user_id: user.id,
            purpose: 'reset_password',
            token_hash: sha256(token),
            created_at: now,
            expires_at: now + INVITE_TTL_MS,
            used_at: null,
          })
          .execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'user.invited',
          target: { type: 'user', id: user.id },
          data: { role: input.role },
        });
        return { company: account.name, inviter: inviter ? `${inviter.name} (${inviter.email})` : null };
      });
      const who = from.inviter ?? 'An API key of the account';
      await mailer
        .send({
          to: email,
          subject: `${from.company} invites you to its smsgate team`,
          text:
            `${who} added you to ${from.company}'s team on smsgate as ${input.role}.\n\n` +
            `Choose your password here (the link is valid 7 days):\n${settings.publicUrl}/reset-password?token=${token}\n\n` +
            `If you did not expect this, ignore this e-mail: nothing happens until a password is chosen.\n`,
        })
        .catch(() => undefined);
      return userView(user);
    },

    async update(
      actor: ClientActor,
      userId: string,
      patch: { name?: string | undefined; role?: Role | undefined },
    ) {
      return db.transaction().execute(async (tx) => {
        const user = await findMember(tx, actor, userId);
        if (patch.role !== undefined && patch.role !== user.role) {
          assertMayAssign(actor, patch.role);
          if (user.role === 'owner') {
            assertMayAssign(actor, 'owner');
            await assertNotLastOwner(tx, actor.accountId, user.id);
          }
        }
        const changes = {
          ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
          ...(patch.role !== undefined ? { role: patch.role } : {}),
        };
        if (Object.keys(changes).length > 0) {
          await tx.updateTable('users').set(changes).where('id', '=', user.id).execute();
          await audit.record(tx, {
            accountId: actor.accountId,
            actor: auditActorOf(actor),
            action: 'user.updated',
            target: { type: 'user', id: user.id },
            data: { ...(patch.role !== undefined ? { role: patch.role, previousRole: user.role } : {}) },
          });
        }
        return userView({ ...user, ...changes });
      });
    },

    async remove(actor: ClientActor, userId: string) {
      await db.transaction().execute(async (tx) => {
        const user = await findMember(tx, actor, userId);
        if (user.role === 'owner') {
          assertMayAssign(actor, 'owner');
          await assertNotLastOwner(tx, actor.accountId, user.id);
        }
        await tx.deleteFrom('users').where('id', '=', user.id).execute();
        await tx.deleteFrom('auth_tokens').where('user_id', '=', user.id).execute();
        await sessions.destroyAllOf(tx, user.id);
        // Keys the member created would otherwise go on acting for someone who is no longer here.
        await apiKeys.revokeAllCreatedBy(tx, actor, user.id);
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'user.removed',
          target: { type: 'user', id: user.id },
          data: { role: user.role },
        });
      });
    },
  };
}

export type Team = ReturnType<typeof createTeam>;
