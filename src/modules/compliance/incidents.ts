import { AppError } from '../../kernel/errors';
import type { Mail } from '../../kernel/mailer';
import { chunks } from '../../storage/chunk';
import type { DbOrTx } from '../../storage/database';
import type { IncidentsTable } from '../../storage/schema-processor';
import type { StaffActor } from '../accounts';
import { insertNotices } from './notices';
import {
  auditActor,
  iso,
  liveAccountIds,
  type ProcessorDeps,
  readableTime,
  recipientsOf,
  sendAll,
} from './processor-duties';

/** GDPR Art. 33(2): the processor tells the controller without undue delay; we hold ourselves to 72 h. */
export const NOTIFICATION_WINDOW_MS = 72 * 3600_000;
export const INCIDENT_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
/** How long before the deadline operator staff are warned about untold accounts. */
export const DEADLINE_WARNING_MS = 12 * 3600_000;

export interface IncidentInput {
  title: string;
  description: string;
  discoveredAt: number;
  affectedAccountIds?: string[] | undefined;
  allAccounts?: boolean | undefined;
  dataCategories: string[];
  severity: IncidentsTable['severity'];
}

export interface IncidentPatch {
  title?: string | undefined;
  description?: string | undefined;
  severity?: IncidentsTable['severity'] | undefined;
  dataCategories?: string[] | undefined;
  discoveredAt?: number | undefined;
  resolved?: boolean | undefined;
}

export interface IncidentView {
  id: string;
  title: string;
  description: string;
  severity: IncidentsTable['severity'];
  dataCategories: string[];
  allAccounts: boolean;
  discoveredAt: string;
  notificationDeadline: string;
  overdue: boolean;
  affectedAccounts: number;
  notifiedAccounts: number;
  resolvedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * Security incidents as the operator records them: who is affected, which data, and the 72-hour
 * notification deadline. `notify` tells every affected account (in-app notice + e-mail to owners and
 * admins) and records when; it never tells an account twice.
 */
export function createIncidents(deps: ProcessorDeps) {
  const { db, clock, ids, audit, mailer, settings } = deps;

  async function load(tx: DbOrTx, id: string): Promise<IncidentsTable> {
    const row = await tx.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such incident.');
    return row;
  }

  async function counts(tx: DbOrTx, incidentIds: string[]) {
    const out = new Map<string, { total: number; notified: number }>();
    if (incidentIds.length === 0) return out;
    const rows = await tx
      .selectFrom('incident_accounts')
      .select((eb) => [
        'incident_id',
        eb.fn.countAll<number>().as('total'),
        eb.fn.count<number>('notified_at').as('notified'),
      ])
      .where('incident_id', 'in', incidentIds)
      .groupBy('incident_id')
      .execute();
    for (const r of rows) out.set(r.incident_id, { total: Number(r.total), notified: Number(r.notified) });
    return out;
  }

  function view(r: IncidentsTable, c: { total: number; notified: number } | undefined): IncidentView {
    const total = c?.total ?? 0;
    const notified = c?.notified ?? 0;
    const deadline = Number(r.discovered_at) + NOTIFICATION_WINDOW_MS;
    return {
      id: r.id,
      title: r.title,
      description: r.description,
      severity: r.severity,
      dataCategories: JSON.parse(r.data_categories) as string[],
      allAccounts: r.all_accounts === 1,
      discoveredAt: iso(r.discovered_at)!,
      notificationDeadline: iso(deadline)!,
      overdue: clock.now() > deadline && notified < total,
      affectedAccounts: total,
      notifiedAccounts: notified,
      resolvedAt: iso(r.resolved_at),
      createdAt: iso(r.created_at)!,
      updatedAt: iso(r.updated_at)!,
    };
  }

  async function detail(tx: DbOrTx, id: string) {
    const row = await load(tx, id);
    const accounts = await tx
      .selectFrom('incident_accounts')
      .select(['account_id', 'notified_at'])
      .where('incident_id', '=', id)
      .orderBy('account_id')
      .execute();
    return {
      ...view(row, (await counts(tx, [id])).get(id)),
      accounts: accounts.map((a) => ({ accountId: a.account_id, notifiedAt: iso(a.notified_at) })),
    };
  }

  return {
    async create(actor: StaffActor, input: IncidentInput) {
      if (input.discoveredAt > clock.now())
        throw new AppError('validation_failed', 'discoveredAt is in the future.', {
          errors: [{ path: 'discoveredAt', message: 'must not be in the future' }],
        });
      const id = await db.transaction().execute(async (tx) => {
        let accountIds: string[];
        if (input.allAccounts) accountIds = await liveAccountIds(tx);
        else {
          accountIds = [...new Set(input.affectedAccountIds ?? [])];
          const known = accountIds.length
            ? await tx.selectFrom('accounts').select('id').where('id', 'in', accountIds).execute()
            : [];
          const missing = accountIds.filter((a) => !known.some((k) => k.id === a));
          if (missing.length > 0)
            throw new AppError('not_found', `No such account: ${missing.join(', ')}.`, {
              errors: missing.map((m) => ({ path: 'affectedAccountIds', message: `unknown account ${m}` })),
            });
        }
        const now = clock.now();
        const row: IncidentsTable = {
          id: ids('inc'),
          title: input.title,
          description: input.description,
          severity: input.severity,
          data_categories: JSON.stringify([...new Set(input.dataCategories)]),
          all_accounts: input.allAccounts ? 1 : 0,
          discovered_at: input.discoveredAt,
          resolved_at: null,
          deadline_warned_at: null,
          created_by: actor.id,
          created_at: now,
          updated_at: now,
        };
        await tx.insertInto('incidents').values(row).execute();
        for (const part of chunks(accountIds, 500)) {
          await tx
            .insertInto('incident_accounts')
            .values(
              part.map((a) => ({ incident_id: row.id, account_id: a, notified_at: null, notice_id: null })),
            )
            .execute();
        }
        await audit.record(tx, {
          accountId: null,
          actor: auditActor(actor),
          action: 'incident.recorded',
          target: { type: 'incident', id: row.id },
          data: { severity: row.severity, accounts: accountIds.length, discoveredAt: iso(row.discovered_at) },
        });
        for (const accountId of accountIds) {
          await audit.record(tx, {
            accountId,
            actor: auditActor(actor),
            action: 'incident.recorded',
            target: { type: 'incident', id: row.id },
            data: { severity: row.severity },
          });
        }
        return row.id;
      });
      return detail(db, id);
    },

    async get(id: string) {
      return detail(db, id);
    },

    /** Newest incidents (at most `limit`), overdue ones first. */
    async list(filter: { limit: number }): Promise<IncidentView[]> {
      const rows = await db
        .selectFrom('incidents')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(filter.limit)
        .execute();
      const c = await counts(
        db,
        rows.map((r) => r.id),
      );
      const views = rows.map((r) => view(r, c.get(r.id)));
      return [...views.filter((v) => v.overdue), ...views.filter((v) => !v.overdue)];
    },

    async update(actor: StaffActor, id: string, patch: IncidentPatch) {
      await db.transaction().execute(async (tx) => {
        const before = await load(tx, id);
        const now = clock.now();
        if (patch.discoveredAt !== undefined && patch.discoveredAt > now)
          throw new AppError('validation_failed', 'discoveredAt is in the future.', {
            errors: [{ path: 'discoveredAt', message: 'must not be in the future' }],
          });
        await tx
          .updateTable('incidents')
          .set({
            title: patch.title ?? before.title,
            description: patch.description ?? before.description,
            severity: patch.severity ?? before.severity,
            data_categories: patch.dataCategories
              ? JSON.stringify([...new Set(patch.dataCategories)])
              : before.data_categories,
            discovered_at: patch.discoveredAt ?? before.discovered_at,
            resolved_at:
              patch.resolved === undefined
                ? before.resolved_at
                : patch.resolved
                  ? (before.resolved_at ?? now)
                  : null,
            updated_at: now,
          })
          .where('id', '=', id)
          .execute();
        await audit.record(tx, {
          accountId: null,
          actor: auditActor(actor),
          action: 'incident.updated',
          target: { type: 'incident', id },
          data: { fields: Object.keys(patch) },
        });
      });
      return detail(db, id);
    },

    /**
     * Sends the notices still due. Each account is claimed (notified_at set) in the transaction that
     * writes its in-app notice and audit event, so two concurrent runs never tell an account twice; a
     * failed e-mail un-claims the account so the next run tries it again (the in-app notice stays).
     */
    async notify(actor: StaffActor, id: string) {
      const incident = await load(db, id);
      const categories = JSON.parse(incident.data_categories) as string[];
      const pending = await db
        .selectFrom('incident_accounts')
        .select(['account_id', 'notice_id'])
        .where('incident_id', '=', id)
        .where('notified_at', 'is', null)
        .orderBy('account_id')
        .execute();
      const recipients = await recipientsOf(
        db,
        pending.map((p) => p.account_id),
        ['owner', 'admin'],
      );
      const deadline = Number(incident.discovered_at) + NOTIFICATION_WINDOW_MS;
      const title = `Security incident: ${incident.title}`;
      const body = [
        incident.description,
        '',
        `Discovered: ${readableTime(Number(incident.discovered_at))}.`,
        `Severity: ${incident.severity}.`,
        `Data concerned: ${categories.join(', ') || 'not yet determined'}.`,
        `Reference: ${incident.id}.`,
      ].join('\n');
      let notified = 0;
      const mailFailed: string[] = [];
      for (const p of pending) {
        const now = clock.now();
        const claimed = await db.transaction().execute(async (tx) => {
          const won = await tx
            .updateTable('incident_accounts')
            .set({ notified_at: now })
            .where('incident_id', '=', id)
            .where('account_id', '=', p.account_id)
            .where('notified_at', 'is', null)
            .returning(['notice_id'])
            .executeTakeFirst();
          if (!won) return false;
          let noticeId = won.notice_id;
          if (!noticeId) {
            noticeId = ids('ntc');
            await insertNotices(tx, [
              {
                id: noticeId,
                account_id: p.account_id,
                kind: 'incident',
                title,
                body,
                ref_type: 'incident',
                ref_id: id,
                objection_deadline: null,
                created_at: now,
                read_at: null,
              },
            ]);
            await tx
              .updateTable('incident_accounts')
              .set({ notice_id: noticeId })
              .where('incident_id', '=', id)
              .where('account_id', '=', p.account_id)
              .execute();
          }
          await audit.record(tx, {
            accountId: p.account_id,
            actor: auditActor(actor),
            action: 'incident.notified',
            target: { type: 'incident', id },
            data: { noticeId, late: now > deadline },
          });
          return true;
        });
        if (!claimed) continue;
        const mails: Mail[] = (recipients.get(p.account_id) ?? []).map((to) => ({
          to,
          subject: `smsgate: ${title}`,
          text: `${body}\n\nDetails: ${settings.publicUrl}/notices\n`,
        }));
        const failed = await sendAll(mailer, mails);
        if (failed.length > 0 && failed.length === mails.length) {
          await db
            .updateTable('incident_accounts')
            .set({ notified_at: null })
            .where('incident_id', '=', id)
            .where('account_id', '=', p.account_id)
            .execute();
          mailFailed.push(p.account_id);
        } else notified++;
      }
      return { ...(await detail(db, id)), notifiedNow: notified, mailFailed };
    },

    /**
     * The background check: e-mails operator staff (superadmins and operators) once per incident when
     * its deadline is less than `withinMs` away, or past, and some affected account is still untold.
     * Returns how many incidents it warned about.
     */
    async warnApproachingDeadlines(withinMs: number = DEADLINE_WARNING_MS): Promise<number> {
      const now = clock.now();
      const rows = await db
        .selectFrom('incidents')
        .selectAll()
        .where('deadline_warned_at', 'is', null)
        .where('resolved_at', 'is', null)
        .where('discovered_at', '<=', now + withinMs - NOTIFICATION_WINDOW_MS)
        .where('id', 'in', (eb) =>
          eb.selectFrom('incident_accounts').select('incident_id').where('notified_at', 'is', null),
        )
        .orderBy('discovered_at')
        .limit(100)
        .execute();
      if (rows.length === 0) return 0;
      const staff = await db
        .selectFrom('staff_users')
        .select('email')
        .where('disabled_at', 'is', null)
        .where('role', 'in', ['superadmin', 'operator'])
        .execute();
      const c = await counts(
        db,
        rows.map((r) => r.id),
      );
      let warned = 0;
      for (const row of rows) {
        // The conditional update is the claim: concurrent workers never warn twice.
        const won = await db.transaction().execute(async (tx) => {
          const claimed = await tx
            .updateTable('incidents')
            .set({ deadline_warned_at: now })
            .where('id', '=', row.id)
            .where('deadline_warned_at', 'is', null)
            .executeTakeFirst();
          if (Number(claimed.numUpdatedRows) !== 1) return false;
          await audit.record(tx, {
            accountId: null,
            actor: { type: 'system', id: null },
            action: 'incident.deadline_warning',
            target: { type: 'incident', id: row.id },
          });
          return true;
        });
        if (!won) continue;
        warned++;
        const v = view(row, c.get(row.id));
        await sendAll(
          mailer,
          staff.map((s) => ({
            to: s.email,
            subject: `smsgate: incident ${row.id} notification deadline ${v.overdue ? 'passed' : 'near'}`,
            text: `Incident "${row.title}" (${row.id}): ${v.affectedAccounts - v.notifiedAccounts} of ${v.affectedAccounts} affected accounts are not yet notified. Deadline: ${v.notificationDeadline}.\nNotify them with POST /v1/admin/incidents/${row.id}/notify.\n`,
          })),
        );
      }
      return warned;
    },
  };
}

export type Incidents = ReturnType<typeof createIncidents>;
