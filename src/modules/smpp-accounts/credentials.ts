import { randomInt } from 'node:crypto';
import { isIP } from 'node:net';
import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Db } from '../../storage/database';
import type { SmppCredentialsTable } from '../../storage/schema-smpp';
import { isUniqueViolation } from '../../storage/unique-violation';
import { type ClientActor, decoyPasswordHash, hashPassword, verifyPassword } from '../accounts';
import { type AuditLog, auditActorOf } from '../audit';

export interface SmppCredentialSettings {
  /** Binds one credential may hold at once unless set per credential. */
  defaultMaxBinds: number;
  /** Wrong passwords in a row before the credential is locked. */
  lockAfterFailures: number;
  lockMs: number;
}

export interface SmppCredentialDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
  settings: SmppCredentialSettings;
}

export interface SmppCredentialView {
  id: string;
  systemId: string;
  name: string | null;
  allowedIps: string[] | null;
  maxBinds: number;
  createdAt: string;
  lastBindAt: string | null;
  lockedUntil: string | null;
}

/** Who a successful bind acts as: the account's sender, limited to sending. */
export interface SmppBinder {
  credentialId: string;
  systemId: string;
  accountId: string;
  maxBinds: number;
  actor: ClientActor;
}

/** Why a bind was refused (the SMPP side maps each to a command_status). */
export type BindRefusal = 'unknown_system_id' | 'wrong_password' | 'locked' | 'address_refused';

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
// No 0/O, 1/l/I: passwords are read off a screen and typed into other systems' settings.
const PASSWORD_ALPHABET = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** SMPP 3.4 §5.2.1: a password is a C-Octet String of at most 9 octets with its NUL. */
const PASSWORD_LENGTH = 8;
const SYSTEM_ID_PATTERN = /^[A-Za-z0-9_.-]{1,15}$/;

function view(row: SmppCredentialsTable): SmppCredentialView {
  return {
    id: row.id,
    systemId: row.system_id,
    name: row.name ?? null,
    allowedIps: row.allowed_ips === null ? null : (JSON.parse(row.allowed_ips) as string[]),
    maxBinds: Number(row.max_binds),
    createdAt: iso(row.created_at)!,
    lastBindAt: iso(row.last_bind_at),
    lockedUntil: iso(row.locked_until),
  };
}

function randomPassword(): string {
  let out = '';
  for (let i = 0; i < PASSWORD_LENGTH; i++) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
  return out;
}

/** `::ffff:10.0.0.1` as `10.0.0.1`, so an allow-list of IPv4 addresses matches IPv4-mapped peers. */
export function plainAddress(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/**
 * SMPP credentials of client accounts. SMPP 3.4 caps a password at 8 characters (~47 bits from this
 * alphabet), too little for the plain SHA-256 that protects API keys: passwords are stored as Argon2id
 * hashes, which costs a few milliseconds per bind, never per message.
 */
export function createSmppCredentials(deps: SmppCredentialDeps) {
  const { db, clock, ids, audit, settings } = deps;
  const removedListeners: Array<(credentialId: string) => void> = [];

  async function owned(actor: ClientActor, id: string): Promise<SmppCredentialsTable> {
    const row = await db
      .selectFrom('smpp_credentials')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', actor.accountId)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such SMPP credential.');
    return row;
  }

  return {
    /** Creates a credential; the answer carries the password, which is never shown again. */
    async create(
      actor: ClientActor,
      input: {
        systemId?: string | undefined;
        name?: string | undefined;
        allowedIps?: string[] | undefined;
        maxBinds?: number | undefined;
      },
    ): Promise<SmppCredentialView & { password: string }> {
      const systemId = input.systemId ?? `sg${randomPassword().toLowerCase()}`.slice(0, 10);
      const errors = [];
      if (!SYSTEM_ID_PATTERN.test(systemId))
        errors.push({ path: '/systemId', message: 'must be 1–15 letters, digits, _ . or -' });
      const ips = input.allowedIps?.map((ip) => ip.trim());
      for (const [i, ip] of (ips ?? []).entries())
        if (isIP(ip) === 0) errors.push({ path: `/allowedIps/${i}`, message: 'must be an IP address' });
      if (errors.length > 0)
        throw new AppError('validation_failed', 'The SMPP credential is not valid.', { errors });
      const password = randomPassword();
      const now = clock.now();
      const row: SmppCredentialsTable = {
        id: ids('smc'),
        account_id: actor.accountId,
        system_id: systemId,
        name: input.name ?? null,
        password_hash: await hashPassword(password),
        allowed_ips: ips && ips.length > 0 ? JSON.stringify(ips) : null,
        max_binds: input.maxBinds ?? settings.defaultMaxBinds,
        failed_binds: 0,
        locked_until: null,
        last_bind_at: null,
        created_by: actor.id,
        created_at: now,
      };
      const taken = await db
        .selectFrom('smpp_credentials')
        .select('id')
        .where('system_id', '=', systemId)
        .executeTakeFirst();
      if (taken) throw new AppError('conflict', 'This system_id is taken: choose another.');
      await db
        .transaction()
        .execute(async (tx) => {
          await tx.insertInto('smpp_credentials').values(row).execute();
          await audit.record(tx, {
            accountId: actor.accountId,
            actor: auditActorOf(actor),
            action: 'smpp_credential.created',
            target: { type: 'smpp_credential', id: row.id },
            data: { systemId, allowedIps: ips ?? null, maxBinds: row.max_binds },
          });
        })
        .catch((error: unknown) => {
          // Two requests for one system_id at once: the second loses at the unique index.
          if (isUniqueViolation(error))
            throw new AppError('conflict', 'This system_id is taken: choose another.');
          throw error;
        });
      return { ...view(row), password };
    },

    async list(actor: ClientActor): Promise<SmppCredentialView[]> {
      const rows = await db
        .selectFrom('smpp_credentials')
        .selectAll()
        .where('account_id', '=', actor.accountId)
        .orderBy('id', 'desc')
        .execute();
      return rows.map(view);
    },

    /** Deletes a credential; binds made with it are closed (in this process at once, see `onRemoved`). */
    async remove(actor: ClientActor, id: string): Promise<void> {
      const row = await owned(actor, id);
      await db.transaction().execute(async (tx) => {
        await tx.deleteFrom('smpp_credentials').where('id', '=', row.id).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'smpp_credential.deleted',
          target: { type: 'smpp_credential', id: row.id },
          data: { systemId: row.system_id },
        });
      });
      for (const listener of removedListeners) listener(row.id);
    },

    /** Called with a credential's id when it is deleted (the SMPP server closes its binds). */
    onRemoved(listener: (credentialId: string) => void): void {
      removedListeners.push(listener);
    },

    /**
     * Checks a bind's system_id, password and address. Wrong passwords are counted: the
     * `lockAfterFailures`-th locks the credential for `lockMs` (audited), and while locked even the right
     * password is refused. Unknown system_ids cost the same hash check, so timing does not tell them apart.
     */
    async authenticate(
      systemId: string,
      password: string,
      ip: string,
    ): Promise<{ ok: true; binder: SmppBinder } | { ok: false; reason: BindRefusal; accountId?: string }> {
      const row = await db
        .selectFrom('smpp_credentials')
        .selectAll()
        .where('system_id', '=', systemId)
        .executeTakeFirst();
      if (!row) {
        await verifyPassword(await decoyPasswordHash(), password);
        return { ok: false, reason: 'unknown_system_id' };
      }
      const now = clock.now();
      const accountId = row.account_id;
      const refuse = async (reason: BindRefusal, data: Record<string, unknown> = {}) => {
        await audit.record(db, {
          accountId,
          actor: { type: 'system', id: null, ip },
          action: 'smpp.bind_refused',
          target: { type: 'smpp_credential', id: row.id },
          data: { reason, ...data },
        });
        return { ok: false as const, reason, accountId };
      };
      if (row.locked_until !== null && Number(row.locked_until) > now) return refuse('locked');
      const allowed = row.allowed_ips === null ? null : (JSON.parse(row.allowed_ips) as string[]);
      if (allowed && !allowed.map(plainAddress).includes(plainAddress(ip))) return refuse('address_refused');
      if (!(await verifyPassword(row.password_hash, password))) {
        const failures = Number(row.failed_binds) + 1;
        const locks = failures >= settings.lockAfterFailures;
        await db.transaction().execute(async (tx) => {
          await tx
            .updateTable('smpp_credentials')
            .set(
              locks ? { failed_binds: 0, locked_until: now + settings.lockMs } : { failed_binds: failures },
            )
            .where('id', '=', row.id)
            .execute();
          if (locks)
            await audit.record(tx, {
              accountId,
              actor: { type: 'system', id: null, ip },
              action: 'smpp_credential.locked',
              target: { type: 'smpp_credential', id: row.id },
              data: { failures, until: new Date(now + settings.lockMs).toISOString() },
            });
        });
        return refuse('wrong_password', { failures });
      }
      await db
        .updateTable('smpp_credentials')
        .set({ failed_binds: 0, locked_until: null, last_bind_at: now })
        .where('id', '=', row.id)
        .execute();
      return {
        ok: true,
        binder: {
          credentialId: row.id,
          systemId: row.system_id,
          accountId,
          maxBinds: Number(row.max_binds),
          actor: {
            kind: 'api_key',
            accountId,
            id: row.id,
            role: null,
            permissions: new Set(['messages:send']),
            sessionId: null,
            csrfToken: null,
            ip,
          },
        },
      };
    },

    /** Records a successful bind in the account's audit log. */
    async recordBind(binder: SmppBinder, mode: string, ip: string): Promise<void> {
      await audit.record(db, {
        accountId: binder.accountId,
        actor: { type: 'api_key', id: binder.credentialId, ip },
        action: 'smpp.bound',
        target: { type: 'smpp_credential', id: binder.credentialId },
        data: { mode },
      });
    },
  };
}

export type SmppCredentials = ReturnType<typeof createSmppCredentials>;
