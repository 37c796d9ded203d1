import { AppError } from '../../kernel/errors';
import type { DbOrTx } from '../../storage/database';

/** Throws not_found unless the account exists (operator actions name accounts by id). */
export async function assertAccountExists(db: DbOrTx, accountId: string): Promise<void> {
  const account = await db.selectFrom('accounts').select('id').where('id', '=', accountId).executeTakeFirst();
  if (!account) throw new AppError('not_found', 'No such account.');
}
