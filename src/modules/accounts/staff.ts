import { AppError } from '../../kernel/errors';
import { isUniqueViolation } from '../../storage/unique-violation';
import { auditActorOf, type StaffActor } from './actor';
import type { AccountsDeps } from './deps';
import { normaliseEmail } from './identity';
import { createLoginGuard } from './login-guard';
import { STAFF_ROLE_PERMISSIONS, type StaffRole } from './permissions';
import { assertStrongPassword, decoyPasswordHash, hashPassword, verifyPassword } from './secrets';
import { createSessions, type RequestMeta } from './sessions';
import { checkTotp } from './two-factor';
import { staffView } from './views';

/**
 * Operator (staff) users: separate from client users, individually accountable, cut off at once when
 * disabled. Every staff action is audit-logged on the platform chain.
 */
export function createStaff(deps: AccountsDeps) {
  const { db, clock, ids, audit } = deps;
  const sessions = createSessions(deps);
  const guard = createLoginGuard(deps);

  return {
    /** Creates a staff user; `by` is null when run from the command line by whoever holds the server. */
    async create(
      by: StaffActor | null,
      input: { email: string; name?: string; password: string; role: StaffRole },
    ) {
      const email = normaliseEmail(input.email);
      assertStrongPassword(input.password, email);
      const row = {
        id: ids('stf'),
        email,
        name: input.name?.trim() || email,
        password_hash: await hashPassword(input.password),
        role: input.role,
        totp_secret: null,
        totp_enabled_at: null,
        created_at: clock.now(),
        disabled_at: null,
      };
      await db.transaction().execute(async (tx) => {
        const existing = await tx
          .selectFrom('staff_users')
          .select('id')
          .where('email', '=', email)
          .executeTakeFirst();
        if (existing) throw new AppError('email_taken');
        await tx
          .insertInto('staff_users')
          .values(row)
          .execute()
          .catch((error: unknown) => {
            if (isUniqueViolation(error)) throw new AppError('email_taken');
            throw error;
          });
        await audit.record(tx, {
          accountId: null,
          actor: by ? auditActorOf(by) : { type: 'system', id: 'cli' },
          action: 'staff.created',
          target: { type: 'staff', id: row.id },
          data: { role: row.role },
        });
      });
      return staffView(row);
    },

    async list() {
      const rows = await db.selectFrom('staff_users').selectAll().orderBy('id').execute();
      return rows.map(staffView);
    },

    async disable(by: StaffActor, staffId: string) {
      await db.transaction().execute(async (tx) => {
        const row = await tx
          .selectFrom('staff_users')
          .select('id')
          .where('id', '=', staffId)
          .executeTakeFirst();
        if (!row) throw new AppError('not_found', 'No such staff user.');
        await tx
          .updateTable('staff_users')
          .set({ disabled_at: clock.now() })
          .where('id', '=', staffId)
          .execute();
        await sessions.destroyAllOf(tx, staffId);
        await audit.record(tx, {
          accountId: null,
          actor: auditActorOf(by),
          action: 'staff.disabled',
          target: { type: 'staff', id: staffId },
        });
      });
    },

    async login(
      input: { email: string; password: string; totpCode?: string | undefined },
      meta: RequestMeta,
    ) {
      const email = normaliseEmail(input.email);
      const ip = meta.ip ?? 'unknown';
      await guard.check(`staff:${email}`, ip);
      const staff = await db
        .selectFrom('staff_users')
        .selectAll()
        .where('email', '=', email)
        .executeTakeFirst();
      const ok = await verifyPassword(staff?.password_hash ?? (await decoyPasswordHash()), input.password);
      if (!staff || !ok || staff.disabled_at !== null) {
        await guard.fail(`staff:${email}`, ip);
        throw new AppError('invalid_credentials');
      }
      if (staff.totp_enabled_at !== null && staff.totp_secret) {
        if (!input.totpCode) throw new AppError('two_factor_required');
        if (!checkTotp(staff.totp_secret, input.totpCode, clock.now()))
          throw new AppError('invalid_two_factor_code');
      }
      const session = await db.transaction().execute(async (tx) => {
        await audit.record(tx, {
          accountId: null,
          actor: { type: 'staff', id: staff.id, ip: meta.ip },
          action: 'staff.login',
          target: { type: 'staff', id: staff.id },
        });
        return sessions.create(tx, { type: 'staff', id: staff.id, accountId: null }, meta);
      });
      return { staff: staffView(staff), session };
    },

    async logout(actor: StaffActor) {
      if (actor.sessionId) await sessions.destroy(db, actor.sessionId);
    },

    async actorFromSession(token: string, ip: string | null): Promise<StaffActor | null> {
      const session = await sessions.resolve(db, token, 'staff');
      if (!session) return null;
      const staff = await db
        .selectFrom('staff_users')
        .select(['id', 'role', 'disabled_at'])
        .where('id', '=', session.principal_id)
        .executeTakeFirst();
      if (!staff || staff.disabled_at !== null) return null;
      return {
        kind: 'staff',
        id: staff.id,
        keyId: null,
        role: staff.role,
        permissions: STAFF_ROLE_PERMISSIONS[staff.role],
        sessionId: session.id,
        csrfToken: session.csrf_token,
        ip,
      };
    },

    async me(actor: StaffActor) {
      const row = await db
        .selectFrom('staff_users')
        .selectAll()
        .where('id', '=', actor.id)
        .executeTakeFirstOrThrow();
      return { staff: staffView(row), permissions: [...actor.permissions], csrfToken: actor.csrfToken };
    },
  };
}

export type Staff = ReturnType<typeof createStaff>;
