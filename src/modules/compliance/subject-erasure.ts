/**
 * Erasure of a data subject, everywhere at once: the one place that lists every table holding a person
 * (contacts even if deleted, consents, group memberships, tags, short links, messages, inbound, the
 * suppression list, import reports and originals, stored idempotent answers, webhook payloads), with a
 * receipt of counts. A suppressed number stays blocked, kept only as a hash.
 */
import { chunks } from '../../storage/chunk';
import type { ClientActor } from '../accounts';
import { mentionsAny } from '../contacts';
import {
  auditedIn,
  importSubjectOf,
  resolve,
  type SubjectInput,
  type SubjectRequestsDeps,
  subjectHash,
} from './subjects';

export interface ErasureReceipt {
  erasedAt: string;
  subject: string;
  counts: {
    contacts: number;
    consents: number;
    groupMemberships: number;
    messages: number;
    cancelledMessages: number;
    inbound: number;
    suppressions: number;
    webhookDeliveries: number;
    /** Short links of the person closed (their target, which may carry the name or e-mail, removed). */
    links: number;
    /** Rows of import error reports that quoted the person. */
    importErrors: number;
    /** Stored import originals deleted because they may hold the person's rows. */
    importFiles: number;
    /** Stored `Idempotency-Key` answers (and keys) naming the person. */
    idempotentAnswers: number;
  };
  /** True when the number was on the suppression list: it stays blocked, kept only as a hash. */
  suppressionKept: boolean;
}

export function createSubjectErasure(deps: SubjectRequestsDeps) {
  const { db, clock, ids } = deps;
  const audited = auditedIn(deps);

  return {
    /**
     * Erases the person everywhere at once (contacts even if deleted, messages, inbound, consents, group
     * memberships, webhook payloads). A suppressed number stays blocked, kept only as a hash.
     */
    async erase(actor: ClientActor, input: SubjectInput): Promise<ErasureReceipt> {
      const accountId = actor.accountId;
      // Stored import originals first: files cannot join the transaction, and if the rows' erasure failed
      // afterwards, a file deleted a little early is no loss (the contacts it created stay).
      const known = await db.transaction().execute((tx) => resolve(tx, accountId, input));
      const importFiles = await deps.imports.eraseOriginals(accountId, importSubjectOf(known));
      let erasedContacts: string[] = [];
      const erased = await audited(actor, 'privacy.subject_erased', async (tx) => {
        const s = await resolve(tx, accountId, input);
        const found = importSubjectOf(s);
        const now = clock.now();
        const contactIds = s.contacts.map((c) => c.id);
        erasedContacts = contactIds;
        const ids_ = contactIds.length > 0 ? contactIds : [''];
        const phones = s.phones.length > 0 ? s.phones : [''];
        const consents = await tx
          .deleteFrom('contact_consents')
          .where('contact_id', 'in', ids_)
          .executeTakeFirst();
        const memberships = await tx
          .deleteFrom('group_members')
          .where('contact_id', 'in', ids_)
          .executeTakeFirst();
        await tx.deleteFrom('contact_tags').where('contact_id', 'in', ids_).execute();
        // Short links: the target may carry the person's name or e-mail (a placeholder in the URL). The link
        // is closed (410) and its target removed; its clicks (time and browser family only) stay counted.
        const links = await tx
          .updateTable('links')
          .set({ target_url: null, deleted_at: now })
          .where('account_id', '=', accountId)
          .where((eb) =>
            eb.or([
              eb('contact_id', 'in', ids_),
              eb(
                'message_id',
                'in',
                eb
                  .selectFrom('messages')
                  .select('id')
                  .where('account_id', '=', accountId)
                  .where('to_number', 'in', phones),
              ),
            ]),
          )
          .where((eb) => eb.or([eb('deleted_at', 'is', null), eb('target_url', 'is not', null)]))
          .executeTakeFirst();
        await tx.deleteFrom('contacts').where('account_id', '=', accountId).where('id', 'in', ids_).execute();
        const cancelled = await deps.messages.cancelPending(
          tx,
          accountId,
          { code: 'recipient_erased', detail: 'The recipient asked for their data to be erased.' },
          s.phones,
        );
        const messages = await deps.messages.eraseTo(tx, accountId, s.phones);
        const inbound = await tx
          .deleteFrom('inbound_messages')
          .where('account_id', '=', accountId)
          .where('from_number', 'in', phones)
          .executeTakeFirst();
        const suppressed = await tx
          .selectFrom('suppressions')
          .select(['phone', 'scope'])
          .where('account_id', '=', accountId)
          .where('phone', 'in', phones)
          .execute();
        await tx
          .deleteFrom('suppressions')
          .where('account_id', '=', accountId)
          .where('phone', 'in', phones)
          .execute();
        for (const row of suppressed) {
          await tx
            .insertInto('privacy_restrictions')
            .values({
              id: ids('dsr'),
              account_id: accountId,
              subject_hash: subjectHash('phone', row.phone),
              subject_kind: 'phone',
              reason: 'erased',
              scope: row.scope,
              created_by: actor.id,
              restricted_at: now,
              lifted_at: null,
            })
            .execute();
        }
        const importErrors = await deps.imports.eraseErrors(tx, accountId, found);
        const needles = [...found.phones, ...found.nationals, ...found.emails];
        // Stored `Idempotency-Key` answers repeat the request's answer (number, text), and a client may
        // have put the number into the key itself. Scopes of the account contain its id.
        const idempotent = await tx
          .deleteFrom('idempotency_keys')
          .where(mentionsAny('scope', [accountId.toLowerCase()]))
          .where((eb) => eb.or([mentionsAny('key', needles), mentionsAny('response_body', needles)]))
          .executeTakeFirst();
        // Webhook payloads copy the number and the text (this transaction's own cancellations too): those
        // naming the person go, with their attempts (which may hold the receiver's echo of the payload).
        const hooks = await tx
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('account_id', '=', accountId)
          .where(mentionsAny('body', needles))
          .execute();
        for (const part of chunks(hooks, 500)) {
          const wIds = part.map((r) => r.id);
          await tx.deleteFrom('webhook_attempts').where('delivery_id', 'in', wIds).execute();
          await tx.deleteFrom('webhook_deliveries').where('id', 'in', wIds).execute();
        }
        const receipt: ErasureReceipt = {
          erasedAt: new Date(now).toISOString(),
          subject: s.ref,
          counts: {
            contacts: contactIds.length,
            consents: Number(consents.numDeletedRows),
            groupMemberships: Number(memberships.numDeletedRows),
            messages,
            cancelledMessages: cancelled,
            inbound: Number(inbound.numDeletedRows),
            suppressions: suppressed.length,
            webhookDeliveries: hooks.length,
            links: Number(links.numUpdatedRows),
            importErrors,
            importFiles,
            idempotentAnswers: Number(idempotent.numDeletedRows),
          },
          suppressionKept: suppressed.length > 0,
        };
        return { result: receipt, ref: s.ref, data: { ...receipt.counts } };
      });
      await deps.removeContactFiles(erasedContacts);
      return erased;
    },
  };
}
