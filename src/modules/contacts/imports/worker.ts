/**
 * The import worker: claims queued imports (and running ones whose worker lost its lease), reads the
 * stored file from the start in batches (big CSV files and every workbook on a reader thread), hands each
 * batch to the batch writer, and finishes the import (completed, failed or cancelled) with its audit event.
 */
import type { Readable } from 'node:stream';
import { isAppError } from '../../../kernel/errors';
import { claimDue, type LeasedTable, releaseLeases, whereHeld } from '../../../storage/lease';
import type { ImportStatus, ImportsTable } from '../../../storage/schema-imports';
import { fieldTypesOf } from '../contact-store';
import { defaultCountryOf, isUniqueViolation } from '../shared';
import { csvRows } from './csv-source';
import { ACTIVE, type ImportsContext } from './import-context';
import type { ImportMapping } from './mapping';
import type { ThreadRead } from './ports';
import { type BatchEvent, type ReadPlan, type RowBatch, readBatches } from './row-batches';
import { type BatchWriter, LeaseLost } from './write-batch';

/**
 * Imports have no owner column: the exact `lease_until` a worker set is its token. Every batch moves it
 * (in the batch's transaction, see write-batch.ts), so a worker that lost the import learns it there.
 */
const IMPORTS: LeasedTable = { table: 'imports', owner: null };

export function createImportWorker(ctx: ImportsContext, writer: BatchWriter) {
  const { db, clock, audit, files, importFiles, settings, xlsxLimits, capabilities } = ctx;
  const { commitBatch } = writer;

  async function finish(
    imp: ImportsTable,
    lease: number | null,
    status: Exclude<ImportStatus, 'queued' | 'running'>,
    extra: { total?: number; error?: string } = {},
  ): Promise<void> {
    await db.transaction().execute(async (tx) => {
      let q = tx
        .updateTable('imports')
        .set({
          status,
          finished_at: clock.now(),
          lease_until: 0,
          ...(extra.total !== undefined ? { total: extra.total } : {}),
          ...(extra.error !== undefined ? { error: extra.error } : {}),
        })
        .where('id', '=', imp.id)
        .where('status', 'in', ACTIVE);
      if (lease !== null) q = whereHeld(q, IMPORTS, { until: lease });
      const result = await q.executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) return;
      const done = await tx
        .selectFrom('imports')
        .selectAll()
        .where('id', '=', imp.id)
        .executeTakeFirstOrThrow();
      await audit.record(tx, {
        accountId: imp.account_id,
        actor: { type: 'system', id: null },
        action: `import.${status}`,
        target: { type: 'import', id: imp.id },
        data: {
          total: done.total === null ? null : Number(done.total),
          processed: Number(done.processed),
          imported: Number(done.imported),
          updated: Number(done.updated),
          skipped: Number(done.skipped),
          failed: Number(done.failed),
        },
      });
    });
  }

  /**
   * Reads the file from the start (rows before the checkpoint are read again, to know the numbers earlier
   * rows took, but not written) and writes the rest in batches, each in its own transaction. Big files
   * are read on a worker thread, so that parsing the next batch overlaps writing this one.
   */
  async function process(
    imp: ImportsTable,
    claimedLease: number,
    maxBatches: number,
    batchSize: number,
  ): Promise<void> {
    let lease = claimedLease;
    const accountId = imp.account_id;
    if (imp.group_id) {
      const group = await db
        .selectFrom('contact_groups')
        .select('id')
        .where('id', '=', imp.group_id)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      if (!group) return finish(imp, lease, 'failed', { error: 'The target group was deleted.' });
    }
    const plan: ReadPlan = {
      mapping: JSON.parse(imp.mapping) as ImportMapping,
      definitions: [...(await fieldTypesOf(db, accountId))],
      defaultCountry: await defaultCountryOf(db, accountId),
      checkpoint: Number(imp.processed),
      maxRows: settings.maxRows,
      batchSize,
      expectedRows: imp.total === null ? null : Number(imp.total),
    };
    // Big CSV files and every workbook are read on a thread with a heap of its own.
    let read: ThreadRead | null = null;
    let stream: Readable | null = null;
    let events: AsyncGenerator<BatchEvent> | null = null;
    if (imp.format === 'xlsx') {
      read = await importFiles.readBatches(imp.file_key, { format: 'xlsx', limits: xlsxLimits, plan });
    } else {
      const delimiter = imp.delimiter ?? ',';
      if (Number(imp.bytes) >= settings.threadMinBytes)
        read = await importFiles.readBatches(imp.file_key, { format: 'csv', delimiter, plan });
      if (!read) {
        // The reader thread opens the file itself; only this thread's reader needs a stream.
        stream = await files.get(imp.file_key);
        if (stream) events = readBatches(csvRows(stream, delimiter), plan);
      }
    }
    if (read) events = read.events;
    if (!events) return finish(imp, lease, 'failed', { error: 'The uploaded file is no longer stored.' });
    let batches = 0;

    /** Writes a batch; 'stop' when the import was cancelled or handed back. */
    const flush = async (batch: RowBatch): Promise<'go' | 'stop'> => {
      const next = clock.now() + settings.leaseMs;
      const cancel = await commitBatch(imp, lease, batch, next);
      lease = next;
      batches++;
      if (cancel) {
        await finish(imp, lease, 'cancelled');
        return 'stop';
      }
      if (batches >= maxBatches) {
        // Hand the import back (lease released): the next run continues after this batch.
        await releaseLeases(db, IMPORTS, [imp.id], { until: lease });
        return 'stop';
      }
      return 'go';
    };

    try {
      for await (const event of events) {
        if (event.type === 'batch') {
          if ((await flush(event.batch)) === 'stop') return;
        } else if (event.type === 'end') {
          return await finish(imp, lease, 'completed', { total: event.total });
        } else if (event.type === 'too_many') {
          return await finish(imp, lease, 'failed', {
            error: `The file has more than ${settings.maxRows} data rows; rows after line ${event.lastRow} were not imported.`,
          });
        } else {
          return await finish(imp, lease, 'failed', { error: event.message });
        }
      }
    } catch (error) {
      if (error instanceof LeaseLost) return;
      if (isUniqueViolation(error)) {
        // Someone added one of the batch's numbers between the lookup and the insert: the batch rolled
        // back; hand the import back so that the next run redoes it (the number is then found).
        await releaseLeases(db, IMPORTS, [imp.id], { until: lease });
        return;
      }
      const message = isAppError(error) ? error.message : `The import stopped: ${(error as Error).message}`;
      await finish(imp, lease, 'failed', { error: message });
    } finally {
      // Ends the reader (and its thread) when the loop stopped early, and removes what it kept on disk.
      if (read) await read.close();
      else await events.return(undefined);
      stream?.destroy();
    }
  }

  return {
    finish,

    /**
     * Works on queued imports and on running ones whose worker lost its lease, one at a time, until none
     * is left (or `maxBatches` batches were written, for tests that look at progress). Returns the
     * number of imports worked on.
     */
    async runDue(options: { maxBatches?: number; batchSize?: number; limit?: number } = {}): Promise<number> {
      const maxBatches = options.maxBatches ?? Number.POSITIVE_INFINITY;
      const batchSize = options.batchSize ?? settings.batchSize;
      let worked = 0;
      const handled: string[] = [];
      for (let i = 0; i < (options.limit ?? 100); i++) {
        const now = clock.now();
        const lease = now + settings.leaseMs;
        // Queued imports, and running ones whose worker lost its lease, oldest first.
        const imp: ImportsTable | undefined = await claimDue(db, IMPORTS, {
          due: (d) => {
            let q = d.selectFrom('imports').select('id').where('status', 'in', ACTIVE);
            // Each import once per call: one handed back after maxBatches waits for the next call.
            if (handled.length > 0) q = q.where('id', 'not in', handled);
            return q.orderBy('id').limit(1);
          },
          now,
          leaseUntil: lease,
          // Two workers wanting the same import: one gets it, the other the next one due.
          skipLocked: capabilities.skipLocked,
          set: (eb) => ({ status: 'running', started_at: eb.fn.coalesce('started_at', eb.val(now)) }),
        })
          .where('status', 'in', ACTIVE)
          .returningAll()
          .executeTakeFirst();
        if (!imp) break;
        handled.push(imp.id);
        worked++;
        if (Number(imp.cancel_requested) === 1) await finish(imp, lease, 'cancelled');
        else await process(imp, lease, maxBatches, batchSize);
      }
      return worked;
    },
  };
}

export type ImportWorker = ReturnType<typeof createImportWorker>;
