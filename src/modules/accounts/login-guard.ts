import { AppError } from '../../kernel/errors';
import type { AccountsDeps } from './deps';

const WINDOW_MS = 15 * 60_000;
const PER_IP_FACTOR = 5;

/**
 * Counts failed logins per e-mail and per IP in a sliding 15-minute window, in the database so the limit
 * holds across processes. Refusing before the password check keeps a guessing attacker from learning
 * anything once the limit is reached.
 */
export function createLoginGuard(deps: Pick<AccountsDeps, 'db' | 'clock' | 'ids' | 'settings'>) {
  const max = deps.settings.loginMaxFailures;
  return {
    async check(email: string, ip: string): Promise<void> {
      const since = deps.clock.now() - WINDOW_MS;
      const [byEmail, byIp] = await Promise.all([
        deps.db
          .selectFrom('login_failures')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('email', '=', email)
          .where('at', '>', since)
          .executeTakeFirstOrThrow(),
        deps.db
          .selectFrom('login_failures')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('ip', '=', ip)
          .where('at', '>', since)
          .executeTakeFirstOrThrow(),
      ]);
      if (Number(byEmail.n) >= max || Number(byIp.n) >= max * PER_IP_FACTOR) {
        throw new AppError('rate_limited', 'Too many failed logins; try again in 15 minutes.', {
          extra: { retryAfterSeconds: WINDOW_MS / 1000 },
        });
      }
    },
    async fail(email: string, ip: string): Promise<void> {
      await deps.db
        .insertInto('login_failures')
        .values({ id: deps.ids('req'), email, ip, at: deps.clock.now() })
        .execute();
    },
  };
}
