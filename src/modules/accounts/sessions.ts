import type { DbOrTx } from '../../storage/database';
import type { SessionsTable } from '../../storage/schema';
import type { AccountsDeps } from './deps';
import { randomToken, sha256 } from './secrets';

export interface NewSession {
  /** The cookie value; only its hash is stored. */
  token: string;
  sessionId: string;
  csrfToken: string;
  expiresAt: number;
}

export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

// Writing last_seen_at on every request would turn each read into a write; a minute's precision is enough.
const TOUCH_INTERVAL_MS = 60_000;

/** Server-side sessions: an opaque cookie token, a CSRF token bound to it, a sliding idle expiry. */
export function createSessions(deps: Pick<AccountsDeps, 'clock' | 'ids' | 'settings'>) {
  return {
    async create(
      tx: DbOrTx,
      principal: { type: SessionsTable['principal_type']; id: string; accountId: string | null },
      meta: RequestMeta,
    ): Promise<NewSession> {
      const now = deps.clock.now();
      const token = randomToken();
      const session = {
        id: deps.ids('ses'),
        token_hash: sha256(token),
        principal_type: principal.type,
        principal_id: principal.id,
        account_id: principal.accountId,
        csrf_token: randomToken(24),
        ip: meta.ip,
        user_agent: meta.userAgent?.slice(0, 500) ?? null,
        created_at: now,
        last_seen_at: now,
        expires_at: now + deps.settings.sessionTtlMs,
      };
      await tx.insertInto('sessions').values(session).execute();
      return { token, sessionId: session.id, csrfToken: session.csrf_token, expiresAt: session.expires_at };
    },

    /** The live session for a cookie token of the given principal type, or null. */
    async resolve(db: DbOrTx, token: string, type: SessionsTable['principal_type']) {
      const now = deps.clock.now();
      const session = await db
        .selectFrom('sessions')
        .selectAll()
        .where('token_hash', '=', sha256(token))
        .where('principal_type', '=', type)
        .executeTakeFirst();
      if (!session || Number(session.expires_at) <= now) return null;
      if (now - Number(session.last_seen_at) > TOUCH_INTERVAL_MS) {
        await db
          .updateTable('sessions')
          .set({ last_seen_at: now, expires_at: now + deps.settings.sessionTtlMs })
          .where('id', '=', session.id)
          .execute();
      }
      return session;
    },

    async destroy(db: DbOrTx, sessionId: string) {
      await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
    },

    async destroyAllOf(db: DbOrTx, principalId: string) {
      await db.deleteFrom('sessions').where('principal_id', '=', principalId).execute();
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
