import { AppError } from '../../kernel/errors';
import type { SecretBox } from '../../kernel/secret-box';
import type { DbOrTx } from '../../storage/database';
import type { Background } from './background';
import type { LockOwner, LoginAttempt, LoginGuard } from './login-guard';
import { decoyPasswordHash, verifyPassword } from './secrets';
import { acceptTotp } from './two-factor';

/** The columns a sign-in checks, of a user or a staff member. */
interface SecretsRow {
  id: string;
  password_hash: string;
  totp_enabled_at: number | null;
  totp_secret: string | null;
}

/** Whom a sign-in checks: `row` undefined when the e-mail is unknown. */
export interface SignInSubject<R extends SecretsRow> {
  table: 'users' | 'staff_users';
  row: R | undefined;
  /** False for a known but disabled member: refused like a wrong password. */
  usable: boolean;
}

/**
 * Checks a password, then the TOTP code when 2FA is on, under an attempt the login guard reserved before
 * anything was checked. A wrong secret keeps the attempt counted (`fail`); a right one, or a missing code
 * (the client then asks for it), releases it. Anything but a verdict on the secret (a database error…)
 * releases it too: it must not count against the user. Unknown e-mails are checked against a decoy hash,
 * so they take as long as known ones. Resolves to the row once both secrets are right.
 */
export async function checkSecrets<R extends SecretsRow>(
  db: DbOrTx,
  secrets: SecretBox,
  now: number,
  attempt: LoginAttempt,
  subject: SignInSubject<R>,
  input: { password: string; totpCode?: string | undefined },
  fail: () => Promise<void>,
): Promise<R> {
  const { row } = subject;
  try {
    const ok = await verifyPassword(row?.password_hash ?? (await decoyPasswordHash()), input.password);
    if (!row || !ok || !subject.usable) {
      await fail();
      throw new AppError('invalid_credentials');
    }
    if (row.totp_enabled_at !== null && row.totp_secret) {
      if (!input.totpCode) {
        await attempt.release();
        throw new AppError('two_factor_required');
      }
      const who = { table: subject.table, id: row.id, secret: row.totp_secret };
      if (!(await acceptTotp(db, secrets, who, input.totpCode, now))) {
        await fail();
        throw new AppError('invalid_two_factor_code');
      }
    }
    await attempt.release();
    return row;
  } catch (error) {
    if (!(error instanceof AppError)) await attempt.release().catch(() => undefined);
    throw error;
  }
}

/**
 * What a failed sign-in does, for users and staff alike: the attempt stays counted, and when that engages
 * a lock on a real member's e-mail, they are mailed the unlock link (in the background: the answer must not
 * wait for the mail, or its timing would tell a real e-mail from an unknown one).
 */
export function failedSignIn(guard: LoginGuard, background: Background) {
  return async (attempt: LoginAttempt, owner: LockOwner | undefined, ip: string) => {
    const { lockEngaged } = await attempt.fail();
    if (lockEngaged && owner) background.run('unlock mail', () => guard.mailUnlockLink(owner, ip));
  };
}
