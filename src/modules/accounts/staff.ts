import { AppError } from '../../kernel/errors';
import type { DbOrTx } from '../../storage/database';
import { isUniqueViolation } from '../../storage/unique-violation';
import { auditActorOf } from '../audit';
import type { StaffActor } from './actor';
import { createBackground } from './background';
import { checkSecrets, failedSignIn } from './check-secrets';
import type { AccountsDeps } from './deps';
import { normaliseEmail } from './identity-shared';
import { createLoginGuard } from './login-guard';
import { STAFF_ROLE_PERMISSIONS, type StaffRole } from './permissions';
import { assertStrongPassword, hashPassword } from './secrets';
import { createSessions, type RequestMeta } from './sessions';
import { acceptTotp, newTotpSecret, sealTotpSecret, totpUri } from './two-factor';
import { staffView } from './views';

/**
 * Operator (staff) users: separate from client users, individually accountable, cut off at once when
 * disabled. Every staff action is audit-logged on the platform chain.
 */
export function createStaff(deps: AccountsDeps) {
  const { db, clock, ids, audit } = deps;
  const sessions = createSessions(deps);
  const guard = createLoginGuard(deps);
  const background = createBackground(deps.log);
  const require2fa = deps.settings.staffRequire2fa;

  const failed = failedSignIn(guard, background);

  async function loadStaff(id: string) {
    return db.selectFrom('staff_users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  /** 2FA changes are made by the signed-in staff member only, never through an API key. */
  function assertSession(actor: StaffActor) {
    if (actor.keyId !== null)
      throw new AppError('forbidden', 'Only a signed-in staff member can change 2FA.');
  }

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
      // Counted before anything is checked, password and code alike (see the login guard).
      const attempt = await guard.reserve(`staff:${email}`, ip);
      const found = await db
        .selectFrom('staff_users')
        .selectAll()
        .where('email', '=', email)
        .executeTakeFirst();
      const owner = found && found.disabled_at === null ? found : undefined;
      const staff = await checkSecrets(
        db,
        deps.secrets,
        clock.now(),
        attempt,
        { table: 'staff_users', row: found, usable: owner !== undefined },
        input,
        () => failed(attempt, owner, ip),
      );
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
        .select(['id', 'role', 'disabled_at', 'totp_enabled_at'])
        .where('id', '=', session.principal_id)
        .executeTakeFirst();
      if (!staff || staff.disabled_at !== null) return null;
      return {
        kind: 'staff',
        id: staff.id,
        keyId: null,
        role: staff.role,
        twoFactorEnabled: staff.totp_enabled_at !== null,
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
      return {
        staff: staffView(row),
        permissions: [...actor.permissions],
        csrfToken: actor.csrfToken,
        twoFactorEnrolmentRequired: require2fa && row.totp_enabled_at === null,
      };
    },

    /** Whether staff without 2FA are held to enrolment (STAFF_REQUIRE_2FA). */
    requiresTwoFactor: require2fa,

    /** Starts TOTP enrolment: a new secret, not in force until confirmed with a code. */
    async startTwoFactor(actor: StaffActor) {
      assertSession(actor);
      const staff = await loadStaff(actor.id);
      if (staff.totp_enabled_at !== null) throw new AppError('conflict', '2FA is already enabled.');
      const secret = newTotpSecret();
      await db
        .updateTable('staff_users')
        .set({ totp_secret: sealTotpSecret(deps.secrets, secret), totp_last_step: null })
        .where('id', '=', staff.id)
        .execute();
      return { secret, otpauthUrl: totpUri(secret, staff.email) };
    },

    async enableTwoFactor(actor: StaffActor, code: string) {
      assertSession(actor);
      const staff = await loadStaff(actor.id);
      if (!staff.totp_secret) throw new AppError('conflict', 'Start 2FA enrolment first.');
      if (staff.totp_enabled_at !== null) throw new AppError('conflict', '2FA is already enabled.');
      const who = { table: 'staff_users' as const, id: staff.id, secret: staff.totp_secret };
      if (!(await acceptTotp(db, deps.secrets, who, code, clock.now())))
        throw new AppError('invalid_two_factor_code');
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable('staff_users')
          .set({ totp_enabled_at: clock.now() })
          .where('id', '=', staff.id)
          .execute();
        await audit.record(tx, {
          accountId: null,
          actor: auditActorOf(actor),
          action: 'staff.2fa_enabled',
          target: { type: 'staff', id: staff.id },
        });
      });
    },

    async disableTwoFactor(actor: StaffActor, code: string) {
      assertSession(actor);
      const staff = await loadStaff(actor.id);
      if (staff.totp_enabled_at === null || !staff.totp_secret)
        throw new AppError('conflict', '2FA is not enabled.');
      const who = { table: 'staff_users' as const, id: staff.id, secret: staff.totp_secret };
      if (!(await acceptTotp(db, deps.secrets, who, code, clock.now())))
        throw new AppError('invalid_two_factor_code');
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable('staff_users')
          .set({ totp_enabled_at: null, totp_secret: null })
          .where('id', '=', staff.id)
          .execute();
        await audit.record(tx, {
          accountId: null,
          actor: auditActorOf(actor),
          action: 'staff.2fa_disabled',
          target: { type: 'staff', id: staff.id },
        });
      });
    },

    /** Settles once the mails started after earlier answers are done (tests, shutdown). */
    settled: () => background.settled(),
  };
}

export type Staff = ReturnType<typeof createStaff>;

/** How many operator (staff) users there are: none yet means the first must be made with the CLI. */
export async function countStaff(db: DbOrTx): Promise<number> {
  const row = await db
    .selectFrom('staff_users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
