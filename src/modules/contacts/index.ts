import { createContactBook } from './contacts';
import { createFieldDefinitions } from './field-definitions';
import { createGroups } from './groups';
import type { ContactsDeps } from './shared';
import { createSuppressions } from './suppressions';

export {
  CONSENT_PURPOSES,
  type ConsentPurpose,
  type ConsentView,
  type ContactBook,
  type ContactDetail,
  type ContactFilter,
  type ContactInput,
  type ContactPatch,
  type ContactView,
  createContactBook,
} from './contacts';
export { csvCell, csvRow, neutralizeCsvCell } from './csv-safety';
export { createFieldDefinitions, type FieldDefinitions, MAX_FIELDS_PER_ACCOUNT } from './field-definitions';
export {
  FIELD_KEY,
  FIELD_TYPES,
  type FieldDefinitionView,
  type FieldType,
  type FieldValue,
  MAX_TEXT_FIELD,
} from './fields';
export { createGroups, type Groups, type GroupView } from './groups';
export { type ContactsDeps, MAX_BULK_IDS, RESTORE_WINDOW_MS } from './shared';
export {
  createSuppressions,
  SUPPRESSION_SCOPES,
  SUPPRESSION_SOURCES,
  type Suppressions,
  type SuppressionView,
} from './suppressions';

/** The contacts module: address book, custom field definitions, groups and the suppression list. */
export function createContacts(deps: ContactsDeps) {
  return {
    book: createContactBook(deps),
    fields: createFieldDefinitions(deps),
    groups: createGroups(deps),
    suppressions: createSuppressions(deps),
  };
}

export type Contacts = ReturnType<typeof createContacts>;
