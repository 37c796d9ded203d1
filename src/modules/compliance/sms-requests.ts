import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import type { DbOrTx } from '../../storage/database';
import type { PrivacyRequestsTable } from '../../storage/schema-privacy';
import type { AuditLog } from '../audit';
import { oneMonthAfter } from './request-inbox';

/** A second DATA or DELETE text from the same number within this window is the same request. */
export const SMS_REQUEST_DEDUPE_MS = 24 * 3600_000;
const MAX_MESSAGE = 1000;

export interface SmsRequestInput {
  accountId: string;
  kind: 'access' | 'erasure';
  /** The sender in E.164: the carrier delivered the text from it, which is the verification. */
  phone: string;
  /** The text the person sent, kept with the request. */
  text: string;
}

/**
 * Data-subject requests a person opens by texting a client's number: recorded straight in that client's
 * privacy inbox (status `forwarded`, source `sms`) with the one-month deadline. The same number asking the
 * same thing again within a day finds the open request instead of opening another.
 */
export function createSmsRequests(deps: { clock: Clock; ids: IdGenerator; audit: AuditLog }) {
  const { clock, ids, audit } = deps;
  return {
    /** Opens the request (or finds the one opened in the last day) in the caller's transaction. */
    async open(tx: DbOrTx, input: SmsRequestInput): Promise<{ id: string; opened: boolean; dueAt: number }> {
      const now = clock.now();
      const recent = await tx
        .selectFrom('privacy_requests')
        .select(['id', 'due_at'])
        .where('account_id', '=', input.accountId)
        .where('subject_phone', '=', input.phone)
        .where('received_at', '>', now - SMS_REQUEST_DEDUPE_MS)
        .where('kind', '=', input.kind)
        .where('source', '=', 'sms')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      if (recent) return { id: recent.id, opened: false, dueAt: Number(recent.due_at) };
      const row: PrivacyRequestsTable = {
        id: ids('dsr'),
        account_id: input.accountId,
        kind: input.kind,
        subject_phone: input.phone,
        subject_email: null,
        subject_name: null,
        message: input.text.slice(0, MAX_MESSAGE),
        status: 'forwarded',
        note: null,
        received_at: now,
        due_at: oneMonthAfter(now),
        forwarded_at: now,
        closed_at: null,
        created_by: null,
        updated_at: now,
        source: 'sms',
      };
      await tx.insertInto('privacy_requests').values(row).execute();
      await audit.record(tx, {
        accountId: input.accountId,
        actor: { type: 'system', id: null, ip: null },
        action: 'privacy.request_received',
        target: { type: 'privacy_request', id: row.id },
        data: { kind: row.kind, source: 'sms' },
      });
      return { id: row.id, opened: true, dueAt: row.due_at };
    },
  };
}

export type SmsRequests = ReturnType<typeof createSmsRequests>;
