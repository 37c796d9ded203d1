import type { DbOrTx } from '../../storage/database';
import type { AccountsTable } from '../../storage/schema';

/**
 * Sets an account's status and closing time (compliance's closure and restore call it inside their own
 * transaction, beside the audit event).
 */
export async function setAccountStatus(
  db: DbOrTx,
  accountId: string,
  changes: { status: AccountsTable['status']; closed_at: number | null },
): Promise<void> {
  await db.updateTable('accounts').set(changes).where('id', '=', accountId).execute();
}
