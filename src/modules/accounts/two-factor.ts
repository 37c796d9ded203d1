import { generateSecret, generateURI, verifySync } from 'otplib';
import type { DbOrTx } from '../../storage/database';

/** TOTP (RFC 6238) with the usual 30-second step, accepting one step of clock drift either way. */
export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, label: string): string {
  return generateURI({ issuer: 'smsgate', label, secret });
}

/** The time step the code belongs to when it is valid now, else null. */
export function checkTotp(secret: string, code: string, nowMs: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  try {
    const result = verifySync({ secret, token: code, epoch: Math.floor(nowMs / 1000), epochTolerance: 30 });
    return result.valid && 'timeStep' in result ? result.timeStep : null;
  } catch {
    return null;
  }
}

/**
 * Accepts a code at most once: valid now AND of a later step than the last one accepted for this user.
 * The step is recorded by a conditional update, so two requests racing with one code cannot both win.
 */
export async function acceptTotp(
  db: DbOrTx,
  who: { table: 'users' | 'staff_users'; id: string; secret: string },
  code: string,
  nowMs: number,
): Promise<boolean> {
  const step = checkTotp(who.secret, code, nowMs);
  if (step === null) return false;
  const result =
    who.table === 'users'
      ? await db
          .updateTable('users')
          .set({ totp_last_step: step })
          .where('id', '=', who.id)
          .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
          .executeTakeFirst()
      : await db
          .updateTable('staff_users')
          .set({ totp_last_step: step })
          .where('id', '=', who.id)
          .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
          .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
