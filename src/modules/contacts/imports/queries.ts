/**
 * Imports as clients see them: one import with its first problems, the list, a cancel (a queued import at
 * once, a running one at its next batch), and the streamed CSV report of refused rows or of warnings.
 */
import { AppError } from '../../../kernel/errors';
import type { ClientActor } from '../../accounts';
import { auditActorOf } from '../../audit';
import { csvRow } from '../csv-safety';
import {
  ACTIVE,
  type ImportDetail,
  type ImportProblem,
  type ImportsContext,
  type ImportView,
  INLINE_ERRORS,
  importView,
  ownImport,
} from './import-context';
import type { ImportWorker } from './worker';

export function createImportQueries(ctx: ImportsContext, worker: Pick<ImportWorker, 'finish'>) {
  const { db, clock, audit } = ctx;
  const { finish } = worker;

  async function inlineProblems(importId: string, level: 'error' | 'warning'): Promise<ImportProblem[]> {
    const rows = await db
      .selectFrom('import_errors')
      .select(['row', 'column', 'message'])
      .where('import_id', '=', importId)
      .where('level', '=', level)
      .orderBy('row')
      .limit(INLINE_ERRORS)
      .execute();
    return rows.map((r) => ({ row: Number(r.row), column: r.column, message: r.message }));
  }

  async function get(actor: ClientActor, id: string): Promise<ImportDetail> {
    const row = await ownImport(db, actor.accountId, id);
    return {
      ...importView(row),
      errors: await inlineProblems(id, 'error'),
      warnings: await inlineProblems(id, 'warning'),
    };
  }

  return {
    get,

    async list(
      actor: ClientActor,
      page: { limit: number; cursor?: string | undefined },
    ): Promise<ImportView[]> {
      let q = db.selectFrom('imports').selectAll().where('account_id', '=', actor.accountId);
      if (page.cursor) q = q.where('id', '<', page.cursor);
      const rows = await q.orderBy('id', 'desc').limit(page.limit).execute();
      return rows.map(importView);
    },

    /**
     * Stops an import: a queued one at once, a running one at its next batch boundary. Rows imported
     * so far are kept. A finished import answers 409.
     */
    async cancel(actor: ClientActor, id: string): Promise<ImportDetail> {
      const accountId = actor.accountId;
      await db.transaction().execute(async (tx) => {
        const row = await ownImport(tx, accountId, id);
        if (!ACTIVE.includes(row.status)) {
          throw new AppError('conflict', `The import is already ${row.status}.`);
        }
        const now = clock.now();
        if (row.status === 'queued' && Number(row.processed) === 0) {
          await tx
            .updateTable('imports')
            .set({ status: 'cancelled', cancel_requested: 1, finished_at: now, lease_until: 0 })
            .where('id', '=', id)
            .execute();
        } else {
          await tx.updateTable('imports').set({ cancel_requested: 1 }).where('id', '=', id).execute();
        }
        await audit.record(tx, {
          accountId,
          actor: auditActorOf(actor),
          action: 'import.cancel_requested',
          target: { type: 'import', id },
        });
      });
      // A running import the worker is not holding (paused between runs) stops now.
      const row = await ownImport(db, accountId, id);
      if (row.status === 'running' && Number(row.lease_until) <= clock.now()) {
        await finish(row, null, 'cancelled');
      }
      return get(actor, id);
    },

    /**
     * The report of an import as CSV, streamed, cells neutralised for spreadsheets. `error`: one line per
     * refused row (`row`, `column` and `message`, several problems joined by "; "), followed by the row's
     * cells as read from the file under the file's own headers, so that the report can be fixed and
     * imported again. `warning`: one line per warning of an imported row (row, column, message).
     */
    async reportCsv(
      actor: ClientActor,
      id: string,
      level: 'error' | 'warning',
    ): Promise<AsyncGenerator<string>> {
      const imp = await ownImport(db, actor.accountId, id);
      const headers = level === 'error' && imp.headers !== null ? (JSON.parse(imp.headers) as string[]) : [];
      const PAGE = 5000;
      async function* lines(): AsyncGenerator<string> {
        yield csvRow(['row', 'column', 'message', ...headers]);
        let after = 0;
        for (;;) {
          const page = await db
            .selectFrom('import_errors')
            .select(['row', 'column', 'message', 'cells'])
            .where('import_id', '=', id)
            .where('level', '=', level)
            .where('row', '>', after)
            .orderBy('row')
            .limit(PAGE)
            .execute();
          if (page.length === 0) return;
          // A row's problems never straddle two pages: a full page stops before its last row (unless
          // that row is the whole page).
          const last = Number(page[page.length - 1]!.row);
          const complete = page.length < PAGE ? page : page.filter((r) => Number(r.row) < last);
          const take = complete.length > 0 ? complete : page;
          let chunk = '';
          if (level === 'warning') {
            for (const r of take) chunk += csvRow([Number(r.row), r.column, r.message]);
          } else {
            for (let i = 0; i < take.length; ) {
              const row = Number(take[i]!.row);
              const columns: string[] = [];
              const messages: string[] = [];
              let cells: string[] = [];
              for (; i < take.length && Number(take[i]!.row) === row; i++) {
                const r = take[i]!;
                if (r.column !== null && !columns.includes(r.column)) columns.push(r.column);
                messages.push(r.message);
                if (r.cells !== null) cells = JSON.parse(r.cells) as string[];
              }
              chunk += csvRow([row, columns.join('; '), messages.join('; '), ...cells]);
            }
          }
          yield chunk;
          if (page.length < PAGE) return;
          after = complete.length > 0 ? last - 1 : last;
        }
      }
      return lines();
    },
  };
}
