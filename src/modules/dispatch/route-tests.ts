import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Db } from '../../storage/database';
import type { RouteTestsTable } from '../../storage/schema';
import type { AuditActor, AuditLog } from '../audit';
import { analyzeText } from '../codec';
import { normalizePhone } from '../phone';
import { carrierRefVariants, type DeliveryReport, RouteError } from '../route-port';
import type { RouteRegistry } from './route-registry';
import { BUILTIN_SIMULATOR_ID } from './rules';

// A receipt for a test is still recorded when it comes this long after the send (in this process).
const PENDING_MS = 15 * 60_000;
/** The longest an operator's request waits for the receipt. */
export const ROUTE_TEST_MAX_WAIT_MS = 30_000;

interface Pending {
  testId: string;
  routeId: string;
  to: string;
  sentAt: number;
  carrierRef: string;
  received: boolean;
  /** The row is written; until then a receipt waits here. */
  stored: boolean;
  early: DeliveryReport | null;
  wake: () => void;
}

export interface RouteTestView {
  id: string;
  routeId: string;
  to: string;
  from: string;
  text: string;
  segments: number;
  status: 'accepted' | 'failed';
  carrierRef: string | null;
  error: { code: string; detail: string | null; carrierCode: string | null } | null;
  receipt: { status: string; errorCode: string | null; raw: string | null; at: string } | null;
  createdAt: string;
}

function view(row: RouteTestsTable): RouteTestView {
  return {
    id: row.id,
    routeId: row.route_id,
    to: row.to_number,
    from: row.sender,
    text: row.text,
    segments: Number(row.segments),
    status: row.status,
    carrierRef: row.carrier_ref,
    error: row.error_code
      ? { code: row.error_code, detail: row.error_detail, carrierCode: row.carrier_error_code }
      : null,
    receipt:
      row.receipt_status && row.receipt_at !== null
        ? {
            status: row.receipt_status,
            errorCode: row.receipt_error_code,
            raw: row.receipt_raw,
            at: new Date(Number(row.receipt_at)).toISOString(),
          }
        : null,
    createdAt: new Date(Number(row.created_at)).toISOString(),
  };
}

/**
 * The operator's test sends: one real message through one route only (a disabled route is started for
 * the test and stopped after it), charged to no account and kept apart from clients' messages. The answer
 * is the carrier's (accepted with its message id, or the error) and, when it comes within the wait, the
 * delivery receipt. Receipts for tests are taken out of the stream of routes' reports (`claim`) so they
 * never wait to be matched to a message; a later receipt still updates the recorded test.
 */
export function createRouteTests(deps: {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
  registry: RouteRegistry;
  /** The sender a test goes out from when the operator names none. */
  defaultSender: string;
}) {
  const { db, clock, ids, audit, registry } = deps;
  // Carrier ref (each of its spellings) → the test it belongs to.
  const pending = new Map<string, Pending>();

  function forget(now: number) {
    for (const [ref, p] of pending) if (now - p.sentAt > PENDING_MS) pending.delete(ref);
  }

  async function recordReceipt(p: Pending, report: DeliveryReport) {
    await db
      .updateTable('route_tests')
      .set({
        receipt_status: report.status,
        receipt_error_code: report.errorCode,
        receipt_raw: report.raw.slice(0, 1000),
        receipt_at: report.at,
      })
      .where('id', '=', p.testId)
      .execute();
  }

  return {
    /**
     * Takes a route's delivery report when it is for a test (resolving once it is recorded); null for every
     * other report, which goes on to the messages' report inbox.
     */
    claim(report: DeliveryReport): Promise<void> | null {
      if (pending.size === 0) return null;
      const p = pending.get(report.carrierRef);
      if (!p || p.routeId !== report.routeId) return null;
      if (p.received) return Promise.resolve();
      p.received = true;
      if (!p.stored) {
        p.early = report;
        return Promise.resolve();
      }
      return recordReceipt(p, report).finally(p.wake);
    },

    /** Tests a simulated route owes a receipt for, sent before `sentBefore` (see the simulator's pump). */
    awaitingReceipts(routeId: string, sentBefore: number): Array<{ carrierRef: string; to: string }> {
      const out: Array<{ carrierRef: string; to: string }> = [];
      for (const [ref, p] of pending)
        if (ref === p.carrierRef && p.routeId === routeId && !p.received && p.sentAt <= sentBefore)
          out.push({ carrierRef: ref, to: p.to });
      return out;
    },

    async send(
      actor: AuditActor & { id: string | null },
      routeId: string,
      input: { to: string; text: string; from?: string | undefined; waitMs: number },
    ): Promise<RouteTestView> {
      if (routeId !== BUILTIN_SIMULATOR_ID) {
        const row = await db.selectFrom('routes').select('id').where('id', '=', routeId).executeTakeFirst();
        if (!row) throw new AppError('not_found', 'No such route.');
      }
      const to = normalizePhone(input.to).e164;
      const analysis = analyzeText(input.text);
      const from = input.from ?? deps.defaultSender;
      const testId = ids('rtt');
      const borrowed = await registry.borrow(routeId);
      const sentAt = clock.now();
      let wake = () => {};
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      let row: RouteTestsTable;
      let entry: Pending | null = null;
      try {
        const base = {
          id: testId,
          route_id: routeId,
          staff_id: actor.id,
          to_number: to,
          sender: from,
          text: input.text,
          segments: analysis.segments,
          receipt_status: null,
          receipt_error_code: null,
          receipt_raw: null,
          receipt_at: null,
          created_at: sentAt,
        };
        try {
          const result = await borrowed.route.send({
            messageId: testId,
            accountId: '',
            to,
            from,
            text: input.text,
            encoding: analysis.encoding,
            segments: analysis.segments,
            validUntil: null,
            type: 'transactional',
          });
          forget(sentAt);
          entry = {
            testId,
            routeId,
            to,
            sentAt,
            carrierRef: result.carrierRef,
            received: false,
            stored: false,
            early: null,
            wake,
          };
          for (const ref of new Set([result.carrierRef, ...result.partRefs]))
            for (const variant of carrierRefVariants(ref)) pending.set(variant, entry);
          // The simulator pumps receipts by its canonical ref: make sure it is the entry's own key.
          pending.set(result.carrierRef, entry);
          row = {
            ...base,
            status: 'accepted',
            carrier_ref: result.carrierRef,
            error_code: null,
            error_detail: null,
            carrier_error_code: null,
          };
        } catch (error) {
          const code = error instanceof RouteError ? error.code : 'carrier_error';
          const detail = error instanceof Error ? error.message : String(error);
          row = {
            ...base,
            status: 'failed',
            carrier_ref: null,
            error_code: code,
            error_detail: detail.slice(0, 500),
            carrier_error_code: error instanceof RouteError ? error.carrierCode : null,
          };
        }
        await db.transaction().execute(async (tx) => {
          await tx.insertInto('route_tests').values(row).execute();
          await audit.record(tx, {
            accountId: null,
            actor,
            action: 'route.tested',
            target: { type: 'route', id: routeId },
            data: { testId, status: row.status, errorCode: row.error_code, segments: row.segments },
          });
        });
        if (entry) {
          entry.stored = true;
          // A receipt that came before the row existed: written now.
          if (entry.early) await recordReceipt(entry, entry.early);
        }
        if (entry && !entry.received && input.waitMs > 0) {
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            woken,
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, Math.min(input.waitMs, ROUTE_TEST_MAX_WAIT_MS));
            }),
          ]);
          clearTimeout(timer);
        }
      } finally {
        await borrowed.release();
      }
      return this.get(testId);
    },

    async get(testId: string): Promise<RouteTestView> {
      const row = await db.selectFrom('route_tests').selectAll().where('id', '=', testId).executeTakeFirst();
      if (!row) throw new AppError('not_found', 'No such route test.');
      return view(row);
    },

    /** A route's tests, newest first. */
    async list(routeId: string, page: { limit: number; cursor?: string | undefined }) {
      let q = db
        .selectFrom('route_tests')
        .selectAll()
        .where('route_id', '=', routeId)
        .orderBy('id', 'desc')
        .limit(page.limit);
      if (page.cursor) q = q.where('id', '<', page.cursor);
      return (await q.execute()).map(view);
    },
  };
}

export type RouteTests = ReturnType<typeof createRouteTests>;
