/**
 * The sweep of import originals: 60 days after an import finished (or was created, if it never ran) its
 * uploaded file and its error report go; the contacts stay.
 */
import { type ImportsContext, ORIGINAL_RETENTION_MS } from './import-context';

export function createImportSweep(ctx: ImportsContext) {
  const { db, clock, files } = ctx;

  return {
    /**
     * Deletes uploaded originals 60 days after their import finished (or was created, for one that never
     * finished): the contacts stay, the file goes. Batched and safe to run twice; returns files deleted.
     */
    /** `cutoff`: imports that finished (or, unfinished, were created) before it lose their original; default 60 days ago. */
    async sweepOriginals(options: { limit?: number; cutoff?: number } = {}): Promise<number> {
      const cutoff = options.cutoff ?? clock.now() - ORIGINAL_RETENTION_MS;
      const due = await db
        .selectFrom('imports')
        .select(['id', 'file_key'])
        .where('original_deleted_at', 'is', null)
        .where((eb) =>
          eb.or([
            eb('finished_at', '<=', cutoff),
            eb.and([eb('finished_at', 'is', null), eb('created_at', '<=', cutoff)]),
          ]),
        )
        .orderBy('id')
        .limit(options.limit ?? 500)
        .execute();
      for (const row of due) {
        await files.delete(row.file_key);
        // The error report quotes the file's cells (numbers, names): it goes with the original.
        await db.transaction().execute(async (tx) => {
          await tx.deleteFrom('import_errors').where('import_id', '=', row.id).execute();
          await tx
            .updateTable('imports')
            .set({ original_deleted_at: clock.now() })
            .where('id', '=', row.id)
            .execute();
        });
      }
      return due.length;
    },
  };
}
