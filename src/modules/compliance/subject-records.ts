/**
 * Access and rectification: everything held about a data subject (contacts, groups, consents,
 * suppressions, messages, inbound, campaigns), the same records as a JSON or CSV bundle, and corrections
 * applied to every live contact of the person.
 */
import type { DbOrTx } from '../../storage/database';
import type { ClientActor } from '../accounts';
import { csvRow } from '../contacts';
import {
  auditedIn,
  hashesOf,
  iso,
  resolve,
  type Subject,
  type SubjectInput,
  type SubjectRequestsDeps,
} from './subjects';

/** Most messages one search returns (a subject with more gets `truncated: true`). */
const MAX_MESSAGES = 10_000;

export interface SubjectRectification {
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  email?: string | null | undefined;
  phone?: string | undefined;
  country?: string | null | undefined;
  address?: string | null | undefined;
}

export interface SubjectRecords {
  subject: { phone: string | null; email: string | null; ref: string };
  restricted: boolean;
  contacts: Array<Record<string, unknown>>;
  groups: Array<{ contactId: string; groupId: string; groupName: string | null; addedAt: string | null }>;
  consents: Array<Record<string, unknown>>;
  suppressions: Array<{
    phone: string;
    scope: string;
    reason: string | null;
    source: string;
    createdAt: string | null;
  }>;
  messages: Array<Record<string, unknown>>;
  inbound: Array<Record<string, unknown>>;
  campaigns: Array<{ campaignId: string; messages: number; delivered: number }>;
  truncated: boolean;
}

async function isRestricted(tx: DbOrTx, accountId: string, s: Subject): Promise<boolean> {
  const hashes = hashesOf(s).map((h) => h.hash);
  const row = await tx
    .selectFrom('privacy_restrictions')
    .select('id')
    .where('account_id', '=', accountId)
    .where('reason', '=', 'restricted')
    .where('lifted_at', 'is', null)
    .where('subject_hash', 'in', hashes)
    .executeTakeFirst();
  return row !== undefined;
}

async function collect(tx: DbOrTx, accountId: string, s: Subject): Promise<SubjectRecords> {
  const contactIds = s.contacts.map((c) => c.id);
  const none = [''];
  const phones = s.phones.length > 0 ? s.phones : none;
  const groups = await tx
    .selectFrom('group_members')
    .leftJoin('contact_groups', 'contact_groups.id', 'group_members.group_id')
    .select([
      'group_members.contact_id',
      'group_members.group_id',
      'contact_groups.name',
      'group_members.added_at',
    ])
    .where('group_members.account_id', '=', accountId)
    .where('group_members.contact_id', 'in', contactIds.length > 0 ? contactIds : none)
    .execute();
  const consents = await tx
    .selectFrom('contact_consents')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('contact_id', 'in', contactIds.length > 0 ? contactIds : none)
    .orderBy('id')
    .execute();
  const suppressions = await tx
    .selectFrom('suppressions')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('phone', 'in', phones)
    .execute();
  const messages = await tx
    .selectFrom('messages')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('to_number', 'in', phones)
    .orderBy('id')
    .limit(MAX_MESSAGES + 1)
    .execute();
  const truncated = messages.length > MAX_MESSAGES;
  if (truncated) messages.pop();
  const inbound = await tx
    .selectFrom('inbound_messages')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('from_number', 'in', phones)
    .orderBy('id')
    .limit(MAX_MESSAGES)
    .execute();
  const campaigns = new Map<string, { campaignId: string; messages: number; delivered: number }>();
  for (const m of messages) {
    if (!m.campaign_id) continue;
    const c = campaigns.get(m.campaign_id) ?? { campaignId: m.campaign_id, messages: 0, delivered: 0 };
    c.messages++;
    if (m.status === 'delivered') c.delivered++;
    campaigns.set(m.campaign_id, c);
  }
  return {
    subject: { phone: s.input.phone, email: s.input.email, ref: s.ref },
    restricted: await isRestricted(tx, accountId, s),
    contacts: s.contacts.map((c) => ({
      id: c.id,
      phone: c.phone,
      firstName: c.first_name,
      lastName: c.last_name,
      email: c.email,
      country: c.country,
      address: c.address,
      avatarUrl: c.avatar_url,
      fields: JSON.parse(c.fields || '{}') as unknown,
      tags: JSON.parse(c.tags || '[]') as unknown,
      createdAt: iso(c.created_at),
      updatedAt: iso(c.updated_at),
      deletedAt: iso(c.deleted_at),
    })),
    groups: groups.map((g) => ({
      contactId: g.contact_id,
      groupId: g.group_id,
      groupName: g.name ?? null,
      addedAt: iso(g.added_at),
    })),
    consents: consents.map((c) => ({
      id: c.id,
      contactId: c.contact_id,
      purpose: c.purpose,
      granted: Number(c.granted) === 1,
      source: c.source,
      evidence: c.evidence,
      recordedAt: iso(c.recorded_at),
    })),
    suppressions: suppressions.map((r) => ({
      phone: r.phone,
      scope: r.scope,
      reason: r.reason,
      source: r.source,
      createdAt: iso(r.created_at),
    })),
    messages: messages.map((m) => ({
      id: m.id,
      to: m.to_number,
      from: m.sender,
      text: m.text,
      type: m.type,
      status: m.status,
      campaignId: m.campaign_id,
      reference: m.reference,
      createdAt: iso(m.created_at),
      sentAt: iso(m.sent_at),
      doneAt: iso(m.done_at),
      deletedAt: iso(m.deleted_at),
    })),
    inbound: inbound.map((m) => ({
      id: m.id,
      from: m.from_number,
      to: m.to_number,
      text: m.text,
      receivedAt: iso(m.received_at),
    })),
    campaigns: [...campaigns.values()],
    truncated,
  };
}

const countsOf = (r: SubjectRecords) => ({
  contacts: r.contacts.length,
  messages: r.messages.length,
  inbound: r.inbound.length,
  consents: r.consents.length,
  suppressions: r.suppressions.length,
});

export function createSubjectRecords(deps: SubjectRequestsDeps) {
  const { clock } = deps;
  const audited = auditedIn(deps);

  return {
    /** Everything held about the person. */
    search(actor: ClientActor, input: SubjectInput): Promise<SubjectRecords> {
      return audited(actor, 'privacy.subject_searched', async (tx) => {
        const s = await resolve(tx, actor.accountId, input);
        const records = await collect(tx, actor.accountId, s);
        return { result: records, ref: s.ref, data: countsOf(records) };
      });
    },

    /** The same records as a bundle: JSON, or CSV with one row per field (`recordType,id,field,value`). */
    async exportBundle(
      actor: ClientActor,
      input: SubjectInput,
      format: 'json' | 'csv',
    ): Promise<{ contentType: string; body: string }> {
      const records = await audited(actor, 'privacy.subject_exported', async (tx) => {
        const s = await resolve(tx, actor.accountId, input);
        const r = await collect(tx, actor.accountId, s);
        return { result: r, ref: s.ref, data: { ...countsOf(r), format } };
      });
      const exportedAt = new Date(clock.now()).toISOString();
      if (format === 'json')
        return { contentType: 'application/json', body: JSON.stringify({ exportedAt, ...records }, null, 2) };
      const lines = [csvRow(['recordType', 'id', 'field', 'value'])];
      const sections: Array<[string, Array<Record<string, unknown>>]> = [
        ['contact', records.contacts],
        ['group_membership', records.groups],
        ['consent', records.consents],
        ['suppression', records.suppressions],
        ['message', records.messages],
        ['inbound_message', records.inbound],
        ['campaign', records.campaigns],
      ];
      for (const [type, rows] of sections) {
        rows.forEach((row, i) => {
          const id = String(row.id ?? row.campaignId ?? row.groupId ?? row.phone ?? i);
          for (const [field, value] of Object.entries(row)) {
            if (value === null || value === undefined) continue;
            lines.push(
              csvRow([type, id, field, typeof value === 'object' ? JSON.stringify(value) : String(value)]),
            );
          }
        });
      }
      return { contentType: 'text/csv; charset=utf-8', body: lines.join('') };
    },

    /** Applies corrections to every live contact of the person. */
    async rectify(
      actor: ClientActor,
      input: SubjectInput & { changes: SubjectRectification },
    ): Promise<{ rectified: string[] }> {
      // Every matching contact changes, or none does (a number taken by another contact refuses all).
      return audited(actor, 'privacy.subject_rectified', async (tx) => {
        const s = await resolve(tx, actor.accountId, input);
        const live = s.contacts.filter((c) => c.deleted_at === null);
        const rectified: string[] = [];
        for (const c of live) {
          await deps.contacts.update(actor, c.id, input.changes, tx);
          rectified.push(c.id);
        }
        return {
          result: { rectified },
          ref: s.ref,
          data: { contacts: rectified.length, fields: Object.keys(input.changes) },
        };
      });
    },
  };
}
