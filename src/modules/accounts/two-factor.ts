import { generateSecret, generateURI, verifySync } from 'otplib';
import { isSealed, openStored, type SecretBox } from '../../kernel/secret-box';
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

/** The secret as it is stored: sealed under the deployment's secrets key (older rows: in clear). */
export function sealTotpSecret(secrets: SecretBox, secret: string): string {
  return secrets.seal(secret);
}

/**
 * Accepts a code at most once: valid now AND of a later step than the last one accepted for this user.
 * The step is recorded by a conditional update, so two requests racing with one code cannot both win.
 * `who.secret` is the stored text; one that does not open (changed in the database) accepts no code.
 */
export async function acceptTotp(
  db: DbOrTx,
  secrets: SecretBox,
  who: { table: 'users' | 'staff_users'; id: string; secret: string },
  code: string,
  nowMs: number,
): Promise<boolean> {
  let secret: string;
  try {
    secret = openStored(secrets, who.secret);
  } catch {
    return false;
  }
  const step = checkTotp(secret, code, nowMs);
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

/**
 * Seals the 2FA secrets stored in clear before secrets were sealed: run at start, each row changed only if
 * it still holds what was read. Resolves to the number sealed.
 */
export async function sealClearTotpSecrets(db: DbOrTx, secrets: SecretBox): Promise<number> {
  let sealed = 0;
  for (const table of ['users', 'staff_users'] as const) {
    const rows = await db
      .selectFrom(table)
      .select(['id', 'totp_secret'])
      .where('totp_secret', 'is not', null)
      .execute();
    for (const row of rows) {
      if (!row.totp_secret || isSealed(row.totp_secret)) continue;
      const result = await db
        .updateTable(table)
        .set({ totp_secret: secrets.seal(row.totp_secret) })
        .where('id', '=', row.id)
        .where('totp_secret', '=', row.totp_secret)
        .executeTakeFirst();
      sealed += Number(result.numUpdatedRows);
    }
  }
  return sealed;
}
