import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import type { Mail, Mailer } from '../../kernel/mailer';
import { chunks } from '../../storage/chunk';
import type { Db, DbOrTx } from '../../storage/database';
import type { Actor } from '../accounts';
import type { AuditActor, AuditLog } from '../audit';
import { createAuditExport } from './audit-export';
import { createIncidents } from './incidents';
import { createNotices } from './notices';
import { createPolicies } from './policies';
import { createRegister, type RetentionSource } from './register';
import { createSubProcessors } from './sub-processors';

export interface ProcessorSettings {
  /** The operator's name, shown as the processor in the register of processing. */
  operatorName: string;
  publicUrl: string;
  /** Days a client has to object to a new or replaced sub-processor. */
  objectionDays: number;
  /** The policy version in force until the operator publishes one (config POLICY_VERSION). */
  initialPolicyVersion: string;
}

/** What the processor-duty services need: storage, time, ids, the audit log and the mailer. */
export interface ProcessorDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
  mailer: Mailer;
  settings: ProcessorSettings;
  /** The retention periods in force (the retention engine's policies); default: the promised maximums. */
  retentionPeriods: RetentionSource;
}

export const iso = (ms: number | null | undefined) =>
  ms == null ? null : new Date(Number(ms)).toISOString();

const READABLE_TIME = new Intl.DateTimeFormat('en-GB', {
  dateStyle: 'long',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/**
 * A moment as people write it, for notice and e-mail text ("7 January 2027 at 14:00 UTC"). The text is
 * the same for every reader, so it names its zone; the web app shows the structured field in local time.
 */
export const readableTime = (ms: number) => `${READABLE_TIME.format(new Date(Number(ms)))} UTC`;

/** The audit actor of a client or staff actor (kept here so compliance needs no runtime import of accounts). */
export function auditActor(actor: Actor): AuditActor {
  return { type: actor.kind === 'staff' ? 'staff' : actor.kind, id: actor.id, ip: actor.ip };
}

/** Accounts the platform still serves (closed ones are not told about changes they no longer use). */
export async function liveAccountIds(db: DbOrTx): Promise<string[]> {
  const rows = await db
    .selectFrom('accounts')
    .select('id')
    .where('status', '!=', 'closed')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/** E-mail addresses of the users of the given roles in each account (read-only look-up). */
export async function recipientsOf(
  db: DbOrTx,
  accountIds: string[],
  roles: Array<'owner' | 'admin'>,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const part of chunks(accountIds, 500)) {
    const rows = await db
      .selectFrom('users')
      .select(['account_id', 'email'])
      .where('account_id', 'in', part)
      .where('role', 'in', roles)
      .orderBy('email')
      .execute();
    for (const r of rows) out.set(r.account_id, [...(out.get(r.account_id) ?? []), r.email]);
  }
  return out;
}

/** Sends mails one by one; a failed mail is returned, never thrown, so one bad address stops nobody else. */
export async function sendAll(mailer: Mailer, mails: Mail[]): Promise<Mail[]> {
  const failed: Mail[] = [];
  for (const mail of mails) {
    try {
      await mailer.send(mail);
    } catch {
      failed.push(mail);
    }
  }
  return failed;
}

/** Audit export, register of processing, sub-processors, incidents, notices and privacy policy versions. */
export function createProcessorDuties(deps: ProcessorDeps) {
  const notices = createNotices(deps);
  const subProcessors = createSubProcessors(deps);
  return {
    auditExport: createAuditExport(deps),
    register: createRegister(deps, subProcessors, deps.retentionPeriods),
    notices,
    subProcessors,
    incidents: createIncidents(deps),
    policies: createPolicies(deps),
  };
}

export type ProcessorDuties = ReturnType<typeof createProcessorDuties>;
