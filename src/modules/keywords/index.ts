import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import type { Db } from '../../storage/database';
import type { AuditLog } from '../audit';
import { createKeywordResponder, type ResponderDeps } from './responder';
import { createKeywordRules } from './rules';
import { createKeywordSettings } from './settings';

export { KEYWORD_JOB, type KeywordResponder } from './responder';
export {
  type KeywordRuleInput,
  type KeywordRules,
  type KeywordRuleView,
  MAX_REPLY,
  MAX_SYNONYMS,
} from './rules';
export {
  type KeywordSettings,
  type KeywordSettingsView,
  MAX_WORDS_PER_LANGUAGE,
  type PrivacyWords,
} from './settings';
export { DEFAULT_PRIVACY_WORDS, HELP_WORDS, LANGUAGES, PRIVACY_ACKS, SMS_REQUEST_KINDS } from './words';

/**
 * Keywords: an account's rules on the first word of inbound messages (reply, groups, e-mail, webhook),
 * the built-in HELP answer, and privacy requests by SMS (DATA, DELETE), with the responder that applies
 * them after the messages are stored.
 */
export function createKeywords(
  deps: ResponderDeps & { ids: IdGenerator; audit: AuditLog; db: Db; clock: Clock },
) {
  return {
    rules: createKeywordRules(deps),
    settings: createKeywordSettings(deps),
    responder: createKeywordResponder(deps),
  };
}

export type Keywords = ReturnType<typeof createKeywords>;
