import type { Clock } from '../../kernel/clock';
import { AppError, isAppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Db, DbOrTx } from '../../storage/database';
import { parseMessagingSettings } from '../accounts';
import type { AuditLog } from '../audit';
import { normalizePhone } from '../phone';

type NormalizedPhone = ReturnType<typeof normalizePhone>;

/** What the contacts module needs: storage, time, ids and the audit log. */
export interface ContactsDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
}

/** Deleted contacts can be restored for this long; the retention sweep purges them afterwards. */
export const RESTORE_WINDOW_MS = 60 * 24 * 3600_000;
/** Most ids one bulk request may carry. */
export const MAX_BULK_IDS = 1000;

export const iso = (ms: number) => new Date(Number(ms)).toISOString();

/** The account's default country, for numbers written in national format. */
export async function defaultCountryOf(db: DbOrTx, accountId: string): Promise<string | null> {
  const row = await db
    .selectFrom('accounts')
    .select('settings')
    .where('id', '=', accountId)
    .executeTakeFirst();
  return parseMessagingSettings(row?.settings).defaultCountry;
}

/** `normalizePhone`, with the request path of the number in the error. */
export function phoneAt(input: string, defaultCountry: string | null, path: string): NormalizedPhone {
  try {
    return normalizePhone(input, defaultCountry);
  } catch (error) {
    if (isAppError(error))
      throw new AppError(error.code, error.message, { errors: [{ path, message: error.message }] });
    throw error;
  }
}

/** A unique index refused the row (both dialects). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  return e?.code === '23505' || /UNIQUE constraint failed/i.test(e?.message ?? '');
}
