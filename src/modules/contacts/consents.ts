/** Consent decisions of a contact (marketing, transactional): each recorded as a new row, audited. */
import type { ContactConsentsTable } from '../../storage/schema-contacts';
import type { ClientActor } from '../accounts';
import { auditActorOf } from '../audit';
import { type ConsentPurpose, type ConsentView, consentView } from './contact-model';
import { liveContact } from './contact-store';
import type { ContactsDeps } from './shared';

export function createConsents(deps: ContactsDeps) {
  const { db, clock, ids, audit } = deps;
  return {
    async recordConsent(
      actor: ClientActor,
      contactId: string,
      input: { purpose: ConsentPurpose; granted: boolean; source: string; evidence?: string | undefined },
    ): Promise<ConsentView> {
      const accountId = actor.accountId;
      return db.transaction().execute(async (tx) => {
        await liveContact(tx, accountId, contactId);
        const row: ContactConsentsTable = {
          // Consents have no prefix of their own in the closed IdPrefix set: a time-sortable ctc id, renamed.
          id: `cns_${ids('ctc').slice(4)}`,
          account_id: accountId,
          contact_id: contactId,
          purpose: input.purpose,
          granted: input.granted ? 1 : 0,
          source: input.source,
          evidence: input.evidence ?? null,
          recorded_by: actor.id,
          recorded_at: clock.now(),
        };
        await tx.insertInto('contact_consents').values(row).execute();
        await audit.record(tx, {
          accountId,
          actor: auditActorOf(actor),
          action: input.granted ? 'contact.consent_granted' : 'contact.consent_withdrawn',
          target: { type: 'contact', id: contactId },
          data: { consentId: row.id, purpose: input.purpose, source: input.source },
        });
        return consentView(row);
      });
    },
  };
}
