import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Db, DbOrTx } from '../../storage/database';
import type { PrivacyRequestsTable } from '../../storage/schema-privacy';
import { type Actor, assertAccountExists, type ClientActor } from '../accounts';
import type { AuditLog } from '../audit';
import { auditActorOf } from '../audit';

export const PRIVACY_REQUEST_KINDS = [
  'access',
  'export',
  'rectification',
  'erasure',
  'restriction',
  'objection',
] as const;
export const PRIVACY_REQUEST_STATUSES = ['received', 'forwarded', 'completed', 'rejected'] as const;

export interface PrivacyRequestView {
  id: string;
  accountId: string | null;
  kind: PrivacyRequestsTable['kind'];
  subject: { phone: string | null; email: string | null; name: string | null };
  message: string | null;
  /** `sms` when the person texted DATA or DELETE to the account's number; `operator` when staff recorded it. */
  source: string;
  status: PrivacyRequestsTable['status'];
  note: string | null;
  receivedAt: string;
  dueAt: string;
  overdue: boolean;
  forwardedAt: string | null;
  closedAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

/** One calendar month after `ms` (UTC), clamped to the month's last day (31 Jan → 28/29 Feb). */
export function oneMonthAfter(ms: number): number {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(
    year,
    month,
    Math.min(d.getUTCDate(), lastDay),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  );
}

/** The operator's count of requests by where they came from (`operator` for those recorded by staff). */
async function privacyRequestCounts(
  db: DbOrTx,
  now: number,
): Promise<Array<{ source: string; total: number; open: number; overdue: number }>> {
  const rows = await db
    .selectFrom('privacy_requests')
    .select((eb) => [
      'source',
      'status',
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>(eb.case().when('due_at', '<', now).then(1).else(0).end()).as('late'),
    ])
    .groupBy(['source', 'status'])
    .execute();
  const counts = new Map<string, { source: string; total: number; open: number; overdue: number }>();
  for (const r of rows) {
    const source = r.source ?? 'operator';
    const c = counts.get(source) ?? { source, total: 0, open: 0, overdue: 0 };
    c.total += Number(r.n);
    if (r.status === 'received' || r.status === 'forwarded') {
      c.open += Number(r.n);
      c.overdue += Number(r.late ?? 0);
    }
    counts.set(source, c);
  }
  return [...counts.values()].sort((a, b) => a.source.localeCompare(b.source));
}

/**
 * The operator's inbox of requests that data subjects sent to the platform: recorded with a due date one
 * month after receipt, forwarded to the account that holds the data, completed or rejected there.
 * Audit events carry the request id only, never the subject's details.
 */
export function createRequestInbox(deps: { db: Db; clock: Clock; ids: IdGenerator; audit: AuditLog }) {
  const { db, clock, ids, audit } = deps;

  const view = (r: PrivacyRequestsTable): PrivacyRequestView => {
    const open = r.status === 'received' || r.status === 'forwarded';
    return {
      id: r.id,
      accountId: r.account_id,
      kind: r.kind,
      subject: { phone: r.subject_phone, email: r.subject_email, name: r.subject_name },
      message: r.message,
      source: r.source ?? 'operator',
      status: r.status,
      note: r.note,
      receivedAt: iso(r.received_at)!,
      dueAt: iso(r.due_at)!,
      overdue: open && clock.now() > Number(r.due_at),
      forwardedAt: iso(r.forwarded_at),
      closedAt: iso(r.closed_at),
    };
  };

  async function close(
    actor: ClientActor,
    id: string,
    status: 'completed' | 'rejected',
    note: string | null,
  ): Promise<PrivacyRequestView> {
    return db.transaction().execute(async (tx) => {
      const row = await tx
        .selectFrom('privacy_requests')
        .selectAll()
        .where('id', '=', id)
        .where('account_id', '=', actor.accountId)
        .executeTakeFirst();
      if (!row) throw new AppError('not_found', 'No such privacy request.');
      if (row.status !== 'forwarded') throw new AppError('conflict', `The request is already ${row.status}.`);
      const now = clock.now();
      const changes = { status, note, closed_at: now, updated_at: now };
      await tx.updateTable('privacy_requests').set(changes).where('id', '=', id).execute();
      await audit.record(tx, {
        accountId: actor.accountId,
        actor: auditActorOf(actor),
        action: `privacy.request_${status}`,
        target: { type: 'privacy_request', id },
        data: { kind: row.kind },
      });
      return view({ ...row, ...changes });
    });
  }

  return {
    /** Records a request that reached the operator (by e-mail, letter, …). */
    async create(
      actor: Actor,
      input: {
        kind: PrivacyRequestsTable['kind'];
        subject: { phone?: string | undefined; email?: string | undefined; name?: string | undefined };
        message?: string | undefined;
        receivedAt?: string | undefined;
        accountId?: string | undefined;
      },
    ): Promise<PrivacyRequestView> {
      return db.transaction().execute(async (tx) => {
        if (input.accountId) await assertAccountExists(tx, input.accountId);
        const now = clock.now();
        const receivedAt = input.receivedAt ? Math.min(Date.parse(input.receivedAt), now) : now;
        const row: PrivacyRequestsTable = {
          id: ids('dsr'),
          account_id: input.accountId ?? null,
          kind: input.kind,
          subject_phone: input.subject.phone ?? null,
          subject_email: input.subject.email?.toLowerCase() ?? null,
          subject_name: input.subject.name ?? null,
          message: input.message ?? null,
          status: input.accountId ? 'forwarded' : 'received',
          note: null,
          received_at: receivedAt,
          due_at: oneMonthAfter(receivedAt),
          forwarded_at: input.accountId ? now : null,
          closed_at: null,
          created_by: actor.id,
          updated_at: now,
          source: null,
        };
        await tx.insertInto('privacy_requests').values(row).execute();
        await audit.record(tx, {
          accountId: null,
          actor: auditActorOf(actor),
          action: 'privacy.request_received',
          target: { type: 'privacy_request', id: row.id },
          data: { kind: row.kind, forwarded: row.account_id !== null },
        });
        return view(row);
      });
    },

    async list(filter: {
      accountId?: string | undefined;
      status?: PrivacyRequestsTable['status'] | undefined;
      overdue?: boolean | undefined;
      limit: number;
      cursor?: string | undefined;
    }): Promise<PrivacyRequestView[]> {
      let q = db.selectFrom('privacy_requests').selectAll().orderBy('id', 'desc').limit(filter.limit);
      if (filter.accountId) q = q.where('account_id', '=', filter.accountId);
      if (filter.status) q = q.where('status', '=', filter.status);
      if (filter.overdue)
        q = q.where('status', 'in', ['received', 'forwarded']).where('due_at', '<', clock.now());
      if (filter.cursor) q = q.where('id', '<', filter.cursor);
      return (await q.execute()).map(view);
    },

    /** Hands the request to the account that holds the subject's data (again, if it was forwarded wrongly). */
    async forward(actor: Actor, id: string, accountId: string): Promise<PrivacyRequestView> {
      return db.transaction().execute(async (tx) => {
        const row = await tx
          .selectFrom('privacy_requests')
          .selectAll()
          .where('id', '=', id)
          .executeTakeFirst();
        if (!row) throw new AppError('not_found', 'No such privacy request.');
        if (row.status === 'completed' || row.status === 'rejected')
          throw new AppError('conflict', `The request is already ${row.status}.`);
        await assertAccountExists(tx, accountId);
        const now = clock.now();
        const changes = {
          account_id: accountId,
          status: 'forwarded' as const,
          forwarded_at: now,
          updated_at: now,
        };
        await tx.updateTable('privacy_requests').set(changes).where('id', '=', id).execute();
        await audit.record(tx, {
          accountId,
          actor: auditActorOf(actor),
          action: 'privacy.request_forwarded',
          target: { type: 'privacy_request', id },
          data: { kind: row.kind, dueAt: iso(row.due_at) },
        });
        return view({ ...row, ...changes });
      });
    },

    /** How many requests came from where (`sms`, `operator`): all, still open, and open past their due date. */
    counts: () => privacyRequestCounts(db, clock.now()),

    complete: (actor: ClientActor, id: string, note?: string) => close(actor, id, 'completed', note ?? null),
    reject: (actor: ClientActor, id: string, reason: string) => close(actor, id, 'rejected', reason),
  };
}

export type RequestInbox = ReturnType<typeof createRequestInbox>;
