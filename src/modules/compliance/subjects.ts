/**
 * What every data-subject request shares: its deps, who the person is (the given number or e-mail plus
 * every contact that matches them, and the one-way hashes that stand for them), and the audited
 * transaction each request runs in (counts and a hash reference, never the number or e-mail itself).
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Db, DbOrTx } from '../../storage/database';
import type { ContactsTable } from '../../storage/schema-contacts';
import type { ClientActor } from '../accounts';
import { parseMessagingSettings } from '../accounts';
import type { AuditLog } from '../audit';
import { auditActorOf } from '../audit';
import type { ContactBook, ImportErasure, ImportSubject } from '../contacts';
import type { MessageDeletion } from '../messaging';
import { nationalNumberOfE164, normalizePhone } from '../phone';

export const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();

/**
 * The one-way reference of a phone number or e-mail kept by restrictions and erasure receipts. Phone
 * numbers have few possible values, so this hides them from casual reading, not from a determined search.
 */
export function subjectHash(kind: 'phone' | 'email', value: string): string {
  return createHash('sha256').update(`smsgate-subject\n${kind}\n${value}`).digest('hex');
}

export interface SubjectInput {
  phone?: string | undefined;
  email?: string | undefined;
}

export interface Subject {
  phones: string[];
  emails: string[];
  contacts: ContactsTable[];
  ref: string;
  input: { phone: string | null; email: string | null };
}

export interface SubjectRequestsDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
  messages: MessageDeletion;
  contacts: ContactBook;
  /** Deletes the stored files of erased contacts (avatars), once their rows are gone. */
  removeContactFiles: (contactIds: string[]) => Promise<void>;
  /** Import reports and stored import originals. */
  imports: ImportErasure;
}

/** The person's identifiers as import files and stored texts write them (lower case). */
export function importSubjectOf(s: Pick<Subject, 'phones' | 'emails'>): ImportSubject {
  const nationals = s.phones
    .map(nationalNumberOfE164)
    .filter((n): n is string => n !== null && n.length >= 5);
  return { phones: s.phones, nationals, emails: s.emails.map((e) => e.toLowerCase()) };
}

/** The person: the given number/e-mail plus the numbers and e-mails of every contact that matches them. */
export async function resolve(tx: DbOrTx, accountId: string, input: SubjectInput): Promise<Subject> {
  if (!input.phone && !input.email) {
    throw new AppError('validation_failed', 'Give the phone or the email of the data subject.', {
      errors: [{ path: '/body', message: 'phone or email is required' }],
    });
  }
  let phone: string | null = null;
  if (input.phone) {
    const account = await tx
      .selectFrom('accounts')
      .select('settings')
      .where('id', '=', accountId)
      .executeTakeFirst();
    try {
      phone = normalizePhone(input.phone, parseMessagingSettings(account?.settings).defaultCountry).e164;
    } catch (error) {
      const e = error as AppError;
      throw new AppError(e.code ?? 'invalid_phone_number', e.message, {
        errors: [{ path: '/body/phone', message: e.message }],
      });
    }
  }
  const email = input.email ? input.email.trim().toLowerCase() : null;
  let q = tx.selectFrom('contacts').selectAll().where('account_id', '=', accountId);
  q = q.where((eb) => {
    const ors = [];
    if (phone) ors.push(eb('phone', '=', phone));
    if (email) ors.push(eb('email_lc', '=', email));
    return eb.or(ors);
  });
  const contacts = await q.orderBy('id').execute();
  const phones = new Set<string>(phone ? [phone] : []);
  const emails = new Set<string>(email ? [email] : []);
  for (const c of contacts) {
    phones.add(c.phone);
    if (c.email_lc) emails.add(c.email_lc);
  }
  const ref = subjectHash(phone ? 'phone' : 'email', (phone ?? email)!).slice(0, 16);
  return { phones: [...phones], emails: [...emails], contacts, ref, input: { phone, email } };
}

export const hashesOf = (s: Pick<Subject, 'phones' | 'emails'>) => [
  ...s.phones.map((p) => ({ kind: 'phone' as const, hash: subjectHash('phone', p) })),
  ...s.emails.map((e) => ({ kind: 'email' as const, hash: subjectHash('email', e) })),
];

/** Runs a request in one transaction with its audit event. */
export function auditedIn({ db, audit }: Pick<SubjectRequestsDeps, 'db' | 'audit'>) {
  return async function audited<T>(
    actor: ClientActor,
    action: string,
    run: (tx: DbOrTx) => Promise<{ result: T; ref: string; data: Record<string, unknown> }>,
  ): Promise<T> {
    return db.transaction().execute(async (tx) => {
      const { result, ref, data } = await run(tx);
      await audit.record(tx, {
        accountId: actor.accountId,
        actor: auditActorOf(actor),
        action,
        target: { type: 'data_subject', id: ref },
        data,
      });
      return result;
    });
  };
}
