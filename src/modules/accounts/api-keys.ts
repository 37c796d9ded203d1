import { AppError } from '../../kernel/errors';
import type { DbOrTx } from '../../storage/database';
import { prepared, slot } from '../../storage/prepared';
import type { ApiKeysTable } from '../../storage/schema';
import { auditActorOf } from '../audit';
import type { Actor, ClientActor, StaffActor } from './actor';
import type { AccountsDeps } from './deps';
import {
  API_KEY_SCOPES,
  type Permission,
  ROLE_PERMISSIONS,
  type Role,
  STAFF_ROLE_PERMISSIONS,
  type StaffPermission,
} from './permissions';
import { randomToken, sha256 } from './secrets';

const CLIENT_PREFIX = 'sg_live_';
const STAFF_PREFIX = 'sg_staff_';
const TOUCH_INTERVAL_MS = 60_000;

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** The member who created the key; name and e-mail are null once that member has left the team. */
  createdBy: { id: string; name: string | null; email: string | null };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

/**
 * API keys: shown once, stored as a SHA-256 hash (they are high-entropy, so a slow hash adds nothing),
 * with a recognisable prefix so that secret scanners and people can tell what leaked.
 */
/**
 * Every request with a Bearer key runs this: compiled once. A client key brings its creator's current
 * role along (null once the creator has left the account), so a key never outlives or outranks them.
 */
const keyBySecret = prepared<
  { hash: string },
  Pick<ApiKeysTable, 'id' | 'account_id' | 'staff_id' | 'scopes' | 'last_used_at' | 'revoked_at'> & {
    creator_role: Role | null;
  }
>((db) =>
  db
    .selectFrom('api_keys')
    .leftJoin('users', (join) =>
      join
        .onRef('users.id', '=', 'api_keys.created_by')
        .onRef('users.account_id', '=', 'api_keys.account_id'),
    )
    .select([
      'api_keys.id',
      'api_keys.account_id',
      'api_keys.staff_id',
      'api_keys.scopes',
      'api_keys.last_used_at',
      'api_keys.revoked_at',
      'users.role as creator_role',
    ])
    .where('api_keys.secret_hash', '=', slot<string>('hash')),
);

export function createApiKeys(deps: AccountsDeps) {
  const { db, clock, ids, audit } = deps;

  function view(
    row: {
      id: string;
      name: string;
      prefix: string;
      scopes: string;
      created_by: string;
      created_at: number;
      last_used_at: number | null;
      revoked_at: number | null;
    },
    creator: { name: string | null; email: string | null },
  ): ApiKeyView {
    return {
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      scopes: JSON.parse(row.scopes) as string[],
      createdAt: iso(row.created_at)!,
      lastUsedAt: iso(row.last_used_at),
      revokedAt: iso(row.revoked_at),
      createdBy: { id: row.created_by, name: creator.name, email: creator.email },
    };
  }

  /** The name and e-mail of a user or staff member creating a key, for its view. */
  async function creatorOf(actor: Actor) {
    const table = actor.kind === 'staff' ? 'staff_users' : 'users';
    const row = await db
      .selectFrom(table)
      .select(['name', 'email'])
      .where('id', '=', actor.id)
      .executeTakeFirst();
    return { name: row?.name ?? null, email: row?.email ?? null };
  }

  async function insertKey(
    owner: { accountId: string | null; staffId: string | null },
    name: string,
    scopes: string[],
    createdBy: string,
    prefix: string,
  ) {
    const key = `${prefix}${randomToken(30)}`;
    const row = {
      id: ids('key'),
      account_id: owner.accountId,
      staff_id: owner.staffId,
      name: name.trim(),
      prefix: key.slice(0, prefix.length + 6),
      secret_hash: sha256(key),
      scopes: JSON.stringify(scopes),
      created_by: createdBy,
      created_at: clock.now(),
      last_used_at: null,
      revoked_at: null,
    };
    return { key, row };
  }

  async function touch(id: string, lastUsedAt: number | null) {
    const now = clock.now();
    if (lastUsedAt === null || now - Number(lastUsedAt) > TOUCH_INTERVAL_MS) {
      await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
    }
  }

  return {
    async create(actor: ClientActor, input: { name: string; scopes?: Permission[] | undefined }) {
      const allowed = API_KEY_SCOPES.filter((p) => actor.permissions.has(p));
      const scopes = input.scopes ?? allowed;
      const refused = scopes.filter((s) => !allowed.includes(s));
      if (refused.length > 0) {
        throw new AppError(
          'forbidden',
          `These scopes are beyond what you may grant: ${refused.join(', ')}.`,
          {
            errors: refused.map((s) => ({ path: '/scopes', message: `scope ${s} not allowed` })),
          },
        );
      }
      const { key, row } = await insertKey(
        { accountId: actor.accountId, staffId: null },
        input.name,
        [...new Set(scopes)],
        actor.id,
        CLIENT_PREFIX,
      );
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('api_keys').values(row).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'api_key.created',
          target: { type: 'api_key', id: row.id },
          data: { name: row.name, scopes },
        });
      });
      return { ...view(row, await creatorOf(actor)), key };
    },

    async createForStaff(actor: StaffActor, input: { name: string }) {
      const scopes = [...STAFF_ROLE_PERMISSIONS[actor.role]];
      const { key, row } = await insertKey(
        { accountId: null, staffId: actor.id },
        input.name,
        scopes,
        actor.id,
        STAFF_PREFIX,
      );
      await db.transaction().execute(async (tx) => {
        await tx.insertInto('api_keys').values(row).execute();
        await audit.record(tx, {
          accountId: null,
          actor: auditActorOf(actor),
          action: 'staff_api_key.created',
          target: { type: 'api_key', id: row.id },
        });
      });
      return { ...view(row, await creatorOf(actor)), key };
    },

    /** The keys a staff member made (revoked ones included), newest first. */
    async listForStaff(actor: StaffActor) {
      const rows = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('staff_id', '=', actor.id)
        .orderBy('id', 'desc')
        .limit(500)
        .execute();
      const creator = await creatorOf(actor);
      return rows.map((row) => view(row, creator));
    },

    async list(actor: ClientActor) {
      const rows = await db
        .selectFrom('api_keys')
        .leftJoin('users', (join) =>
          join
            .onRef('users.id', '=', 'api_keys.created_by')
            .onRef('users.account_id', '=', 'api_keys.account_id'),
        )
        .selectAll('api_keys')
        .select(['users.name as creator_name', 'users.email as creator_email'])
        .where('api_keys.account_id', '=', actor.accountId)
        .orderBy('api_keys.id', 'desc')
        .execute();
      return rows.map((row) => view(row, { name: row.creator_name, email: row.creator_email }));
    },

    /**
     * Revokes, in the caller's transaction, every live key a member created: a removed member's programs
     * stop on the very next request. Each key gets its own audit event.
     */
    async revokeAllCreatedBy(tx: DbOrTx, actor: ClientActor, userId: string) {
      const keys = await tx
        .selectFrom('api_keys')
        .select(['id'])
        .where('account_id', '=', actor.accountId)
        .where('created_by', '=', userId)
        .where('revoked_at', 'is', null)
        .execute();
      if (keys.length === 0) return;
      const now = clock.now();
      await tx
        .updateTable('api_keys')
        .set({ revoked_at: now })
        .where(
          'id',
          'in',
          keys.map((k) => k.id),
        )
        .execute();
      for (const key of keys) {
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'api_key.revoked',
          target: { type: 'api_key', id: key.id },
          data: { reason: 'creator_removed', createdBy: userId },
        });
      }
    },

    async revoke(actor: Actor, keyId: string) {
      await db.transaction().execute(async (tx) => {
        let q = tx.selectFrom('api_keys').selectAll().where('id', '=', keyId);
        q =
          actor.kind === 'staff'
            ? q.where('staff_id', '=', actor.id)
            : q.where('account_id', '=', actor.accountId);
        const key = await q.executeTakeFirst();
        if (!key) throw new AppError('not_found', 'No such API key.');
        if (key.revoked_at !== null) return;
        await tx.updateTable('api_keys').set({ revoked_at: clock.now() }).where('id', '=', key.id).execute();
        await audit.record(tx, {
          accountId: key.account_id,
          actor: auditActorOf(actor),
          action: 'api_key.revoked',
          target: { type: 'api_key', id: key.id },
        });
      });
    },

    /** The actor behind a Bearer key, or null when the key is unknown or revoked. Never cached. */
    async actorFromKey(key: string, ip: string | null): Promise<Actor | null> {
      if (!key.startsWith(CLIENT_PREFIX) && !key.startsWith(STAFF_PREFIX)) return null;
      const [row] = (await keyBySecret(db, { hash: sha256(key) })).rows;
      if (!row || row.revoked_at !== null) return null;
      if (row.staff_id) {
        const staff = await db
          .selectFrom('staff_users')
          .select(['id', 'role', 'disabled_at'])
          .where('id', '=', row.staff_id)
          .executeTakeFirst();
        if (!staff || staff.disabled_at !== null) return null;
        await touch(row.id, row.last_used_at);
        // A key never carries more than its owner's current role allows.
        const current = STAFF_ROLE_PERMISSIONS[staff.role];
        const scopes = (JSON.parse(row.scopes) as StaffPermission[]).filter((s) => current.has(s));
        return {
          kind: 'staff',
          id: staff.id,
          keyId: row.id,
          role: staff.role,
          permissions: new Set(scopes),
          sessionId: null,
          csrfToken: null,
          ip,
        };
      }
      // A client key acts with what both its scopes and its creator's current role allow; a key whose
      // creator has left the account acts for no one (its row is revoked on removal; this holds anyway).
      if (!row.account_id || row.creator_role === null) return null;
      await touch(row.id, row.last_used_at);
      const role = ROLE_PERMISSIONS[row.creator_role];
      const permissions = new Set<Permission>();
      for (const scope of JSON.parse(row.scopes) as Permission[]) if (role.has(scope)) permissions.add(scope);
      return {
        kind: 'api_key',
        accountId: row.account_id,
        id: row.id,
        role: null,
        permissions,
        sessionId: null,
        csrfToken: null,
        ip,
      };
    },
  };
}

export type ApiKeys = ReturnType<typeof createApiKeys>;
