import { AppError } from '../../kernel/errors';
import type { AccountsDeps } from './deps';
import { randomToken, sha256 } from './secrets';

const WINDOW_MS = 15 * 60_000;
const PER_IP_FACTOR = 5;
const HOUR_MS = 3600_000;
const UNLOCK_TTL_MS = HOUR_MS;

/** A reserved login attempt: it counts as a failure until it is released. */
export interface LoginAttempt {
  /** The attempt failed: it stays counted. Says whether this failure is the one that engaged a lock. */
  fail(): Promise<{ lockEngaged: boolean }>;
  /** The attempt succeeded, or ended without a verdict on the secret: it no longer counts. */
  release(): Promise<void>;
}

/** Who a sign-in lock belongs to: a client user or a staff user, and the key its attempts are counted by. */
export interface LockOwner {
  id: string;
  email: string;
}

/**
 * Counts sign-in attempts in the database, so the limits hold across processes and dialects.
 *
 * An attempt is inserted (`pending`) BEFORE the password or code is checked, then the attempts in the
 * window are counted with it. Each attempt sees at least every attempt committed before its own count,
 * so of any number sent at once at most the limit see a count within it and are evaluated; the others
 * remove their row and are refused. No lock or isolation level is needed for that.
 *
 * Limits, in a sliding 15-minute window: `max` per e-mail from one IP (that IP is locked for that
 * e-mail, not the owner elsewhere), 5 × `max` per IP over all e-mails, and `emailMax` per e-mail from
 * every IP together. When a lock engages for an existing user, the owner is e-mailed an unlock link.
 */
export function createLoginGuard(deps: AccountsDeps) {
  const { db, clock, ids, settings } = deps;
  const max = settings.loginMaxFailures;
  const emailMax = settings.loginLockEmailFailures;

  async function countLogins(since: number, where: { email?: string; ip?: string }) {
    let query = db
      .selectFrom('login_failures')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('kind', '=', 'login')
      .where('at', '>', since);
    if (where.email !== undefined) query = query.where('email', '=', where.email);
    if (where.ip !== undefined) query = query.where('ip', '=', where.ip);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }

  function refuse(): never {
    throw new AppError('rate_limited', 'Too many failed logins; try again in 15 minutes.', {
      extra: { retryAfterSeconds: WINDOW_MS / 1000 },
    });
  }

  return {
    /** Reserves an attempt for `key` (the e-mail, `staff:`-prefixed for operators) from `ip`, or refuses. */
    async reserve(key: string, ip: string): Promise<LoginAttempt> {
      const id = ids('req');
      const now = clock.now();
      await db
        .insertInto('login_failures')
        .values({ id, email: key, ip, at: now, kind: 'login', state: 'pending' })
        .execute();
      const since = now - WINDOW_MS;
      const [pair, byIp, byEmail] = await Promise.all([
        countLogins(since, { email: key, ip }),
        countLogins(since, { ip }),
        countLogins(since, { email: key }),
      ]);
      if (pair > max || byIp > max * PER_IP_FACTOR || byEmail > emailMax) {
        await db.deleteFrom('login_failures').where('id', '=', id).execute();
        refuse();
      }
      return {
        async fail() {
          await db.updateTable('login_failures').set({ state: 'counted' }).where('id', '=', id).execute();
          const at = clock.now() - WINDOW_MS;
          const [pairNow, emailNow] = await Promise.all([
            countLogins(at, { email: key, ip }),
            countLogins(at, { email: key }),
          ]);
          return { lockEngaged: pairNow === max || emailNow === emailMax };
        },
        async release() {
          await db.deleteFrom('login_failures').where('id', '=', id).execute();
        },
      };
    },

    /** E-mails the owner a one-time link that lifts the lock on their e-mail (POST /v1/auth/unlock). */
    async mailUnlockLink(owner: LockOwner, ip: string) {
      const token = randomToken();
      const now = clock.now();
      await db
        .insertInto('auth_tokens')
        .values({
          id: ids('tok'),
          user_id: owner.id,
          purpose: 'unlock_login',
          token_hash: sha256(token),
          created_at: now,
          expires_at: now + UNLOCK_TTL_MS,
          used_at: null,
        })
        .execute();
      await deps.mailer.send({
        to: owner.email,
        subject: 'Sign-in to smsgate is locked',
        text: `Too many wrong passwords or codes were tried for your smsgate sign-in (last from ${ip}), so signing in from there is paused for 15 minutes.\n\nIf that was you, lift the lock now by opening:\n${settings.publicUrl}/unlock?token=${token}\n\nIf it was not you, your password is still safe, but consider changing it. The link works once, for one hour.\n`,
      });
    },

    /**
     * Spends an unlock token and forgets the failed attempts on its owner's e-mail (from every IP).
     * Throws invalid_token when the token is unknown, used or expired.
     */
    async unlock(token: string) {
      const now = clock.now();
      const row = await db
        .updateTable('auth_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', sha256(token))
        .where('purpose', '=', 'unlock_login')
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returning(['user_id'])
        .executeTakeFirst();
      if (!row) throw new AppError('invalid_token');
      const [user, staff] = await Promise.all([
        db.selectFrom('users').select('email').where('id', '=', row.user_id).executeTakeFirst(),
        db.selectFrom('staff_users').select('email').where('id', '=', row.user_id).executeTakeFirst(),
      ]);
      const key = user ? user.email : staff ? `staff:${staff.email}` : null;
      if (!key) throw new AppError('invalid_token');
      await db
        .deleteFrom('login_failures')
        .where('kind', '=', 'login')
        .where('email', '=', key)
        .where('state', '=', 'counted')
        .execute();
    },

    /**
     * Takes one request of `kind` for `key` from `ip` if fewer than the limits were taken in the last hour
     * (counted the same way as login attempts, so concurrent requests cannot overshoot); false otherwise.
     */
    async take(
      kind: 'reset' | 'signup_notice',
      key: string,
      ip: string,
      limits: { perKey: number; perIp: number },
    ) {
      const id = ids('req');
      const now = clock.now();
      await db
        .insertInto('login_failures')
        .values({ id, email: key, ip, at: now, kind, state: 'counted' })
        .execute();
      const since = now - HOUR_MS;
      const count = (column: 'email' | 'ip', value: string) =>
        db
          .selectFrom('login_failures')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('kind', '=', kind)
          .where(column, '=', value)
          .where('at', '>', since)
          .executeTakeFirstOrThrow()
          .then((r) => Number(r.n));
      const [byKey, byIp] = await Promise.all([count('email', key), count('ip', ip)]);
      if (byKey > limits.perKey || byIp > limits.perIp) {
        await db.deleteFrom('login_failures').where('id', '=', id).execute();
        return false;
      }
      return true;
    },
  };
}

export type LoginGuard = ReturnType<typeof createLoginGuard>;
