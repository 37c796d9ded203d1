import type { FileStore } from '../../kernel/file-store';
import type { AvatarImages } from './avatar-image';
import { createAvatars } from './avatars';
import { createBulkActions } from './bulk';
import { createContactBook } from './contacts';
import { createFieldDefinitions } from './field-definitions';
import { createGroups } from './groups';
import { createImportErasure } from './import-erasure';
import type { ImportSettings, ImportsDeps } from './imports/import-context';
import { createImports } from './imports/import-jobs';
import type { ContactsDeps } from './shared';
import { createSuppressions } from './suppressions';

export {
  AVATAR_MAX_PIXELS,
  AVATAR_SIZE,
  type AvatarImageResult,
  type AvatarImageSpec,
  type AvatarImages,
} from './avatar-image';
export { AVATAR_MAX_BYTES, type Avatars, avatarPath, avatarTypeOf, createAvatars } from './avatars';
export {
  BULK_ACTIONS,
  type BulkAction,
  type BulkActions,
  type BulkByFilter,
  type BulkResult,
  createBulkActions,
  MAX_BULK_BY_FILTER,
} from './bulk';
export { CONTACT_SORTS, COUNT_CAP, type ContactFilter, type ContactSort } from './contact-list';
export {
  CONSENT_PURPOSES,
  type ConsentPurpose,
  type ConsentView,
  type ContactDetail,
  type ContactInput,
  type ContactPatch,
  type ContactView,
} from './contact-model';
export type { ContactMatch } from './contact-search';
export { type ContactBook, createContactBook } from './contacts';
export { csvCell, csvRow, neutralizeCsvCell, unguardCsvCell } from './csv-safety';
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
export {
  createImportErasure,
  type ImportErasure,
  type ImportSubject,
  likeLiteral,
  mentionsAny,
} from './import-erasure';
export type { SourceRow } from './imports/csv-source';
export {
  type CreateImportOptions,
  DEFAULT_IMPORT_SETTINGS,
  type ImportDetail,
  type ImportPreview,
  type ImportProblem,
  type ImportSettings,
  type ImportView,
  INLINE_ERRORS,
  ORIGINAL_RETENTION_MS,
  type UploadedFile,
} from './imports/import-context';
export { createImports, type Imports } from './imports/import-jobs';
export { guessMapping, type ImportMapping, type ImportTarget, STANDARD_TARGETS } from './imports/mapping';
export {
  type BatchRead,
  type ImportFileReader,
  READER_PROGRAM,
  type ThreadRead,
  type XlsxLimits,
} from './imports/ports';
export {
  type FromReader,
  type ReaderChannel,
  type ReaderSources,
  type ReaderStart,
  readerEvents,
  type ToReader,
} from './imports/reader-program';
export type { BatchEvent } from './imports/row-batches';
export { createKeywordMembership, isOwnGroup, type KeywordMembership } from './keyword-membership';
export {
  createStartReplyRecorder,
  createStopReplyRecorder,
  type StopReply,
  type StopReplyRecorder,
} from './opt-out';
export { type ContactsDeps, MAX_BULK_IDS, RESTORE_WINDOW_MS } from './shared';
export {
  createSuppressions,
  SUPPRESSION_SCOPES,
  SUPPRESSION_SOURCES,
  type Suppressions,
  type SuppressionView,
} from './suppressions';

/** The contacts module: address book, custom field definitions, groups, imports and the suppression list. */
export function createContacts(
  deps: ContactsDeps & {
    files: FileStore;
    avatarImages: AvatarImages;
    importFiles: ImportsDeps['importFiles'];
    importSettings?: Partial<ImportSettings> | undefined;
    lazyTransaction?: ImportsDeps['lazyTransaction'];
    capabilities: ImportsDeps['capabilities'];
  },
) {
  const book = createContactBook(deps);
  const groups = createGroups(deps);
  return {
    imports: createImports(deps),
    importErasure: createImportErasure(deps),
    avatars: createAvatars(deps),
    book,
    bulk: createBulkActions({ book, groups }),
    fields: createFieldDefinitions(deps),
    groups,
    suppressions: createSuppressions(deps),
  };
}

export type Contacts = ReturnType<typeof createContacts>;
