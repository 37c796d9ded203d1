import type { DeleteResult, InsertResult } from 'kysely';
import { AppError } from '../../kernel/errors';
import type { Db, Tx } from '../../storage/database';
import type { AuditEventInput, AuditLog } from '../audit';

/**
 * The operator's and clients' edits of the trust tables, each in one transaction with its audit event:
 * an insert that must not replace an existing row (`conflict` when it would), a delete that must find its
 * row (`not_found` when it does not).
 */
export function createAuditedWrites(db: Db, audit: AuditLog) {
  return {
    async insert(
      write: (tx: Tx) => Promise<InsertResult>,
      conflict: string,
      event: AuditEventInput,
    ): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const inserted = await write(tx);
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) throw new AppError('conflict', conflict);
        await audit.record(tx, event);
      });
    },
    async remove(
      write: (tx: Tx) => Promise<DeleteResult>,
      notFound: string,
      event: AuditEventInput,
    ): Promise<void> {
      await db.transaction().execute(async (tx) => {
        const deleted = await write(tx);
        if (Number(deleted.numDeletedRows) === 0) throw new AppError('not_found', notFound);
        await audit.record(tx, event);
      });
    },
  };
}
