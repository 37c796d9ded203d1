/**
 * The contact book, composed from its parts: the contact model (contact-model), the statements they share
 * (contact-store), writes (contact-edits), search and the list (contact-search, contact-list) and consents.
 */
import { createConsents } from './consents';
import { createContactEdits } from './contact-edits';
import { createContactList } from './contact-list';
import type { ContactsDeps } from './shared';

// Imports write contacts through the same row builders, so that every way in fills the search columns alike.
export { newContactRow, setSearchable } from './contact-model';

/** Contacts: the address book of an account, with custom fields, tags, consents and soft deletion. */
export function createContactBook(deps: ContactsDeps) {
  const edits = createContactEdits(deps);
  const list = createContactList(deps);
  const consents = createConsents(deps);
  return {
    create: edits.create,
    get: edits.get,
    list: list.list,
    count: list.count,
    matchingIds: list.matchingIds,
    iterate: list.iterate,
    update: edits.update,
    remove: edits.remove,
    restore: edits.restore,
    recordConsent: consents.recordConsent,
  };
}

export type ContactBook = ReturnType<typeof createContactBook>;
