import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { Db, DbOrTx } from '../../storage/database';
import { type ClientActor, parseMessagingSettings } from '../accounts';
import type { AuditLog } from '../audit';
import { auditActorOf } from '../audit';
import { foldKeyword, keywordOf } from '../inbound';
import { invalid, type Problem } from './problems';
import {
  DEFAULT_PRIVACY_WORDS,
  HELP_WORDS,
  LANGUAGES,
  type Language,
  SMS_REQUEST_KINDS,
  type SmsRequestKind,
  type WordsByLanguage,
} from './words';

export type PrivacyWords = Record<SmsRequestKind, WordsByLanguage>;
export const MAX_WORDS_PER_LANGUAGE = 10;

/** The keyword settings as the API shows them. */
export interface KeywordSettingsView {
  /** The account's help text (set in the account settings), null when it has none. */
  helpText: string | null;
  /** True when the account has numbers of its own but no help text: HELP gets only a generic answer. */
  helpTextMissing: boolean;
  /** The built-in HELP words, by language. */
  helpWords: Record<Language, string[]>;
  /** The words that open a data-subject request by SMS, by kind and language. */
  privacyWords: PrivacyWords;
}

/** The account's privacy words (the seeds for every kind it did not set). */
export async function privacyWordsOf(db: DbOrTx, accountId: string): Promise<PrivacyWords> {
  const row = await db
    .selectFrom('keyword_settings')
    .select('privacy_words')
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  let saved: Partial<PrivacyWords> = {};
  try {
    saved = row ? (JSON.parse(row.privacy_words) as Partial<PrivacyWords>) : {};
  } catch {
    saved = {};
  }
  return {
    access: saved.access ?? DEFAULT_PRIVACY_WORDS.access,
    erasure: saved.erasure ?? DEFAULT_PRIVACY_WORDS.erasure,
  };
}

/** Per-account keyword settings: the privacy words, and the view of the help text it answers HELP with. */
export function createKeywordSettings(deps: { db: Db; clock: Clock; audit: AuditLog }) {
  const { db, clock, audit } = deps;

  async function view(tx: DbOrTx, accountId: string): Promise<KeywordSettingsView> {
    const [account, number, privacyWords] = await Promise.all([
      tx.selectFrom('accounts').select('settings').where('id', '=', accountId).executeTakeFirst(),
      tx.selectFrom('numbers').select('id').where('account_id', '=', accountId).limit(1).executeTakeFirst(),
      privacyWordsOf(tx, accountId),
    ]);
    if (!account) throw new AppError('not_found', 'No such account.');
    const helpText = parseMessagingSettings(account.settings).helpText;
    return {
      helpText,
      helpTextMissing: helpText === null && number !== undefined,
      helpWords: HELP_WORDS,
      privacyWords,
    };
  }

  return {
    get: (accountId: string) => view(db, accountId),

    /** Replaces the privacy words of the kinds given (each kind keeps at least one word). */
    async put(
      actor: ClientActor,
      input: { privacyWords: Partial<PrivacyWords> },
    ): Promise<KeywordSettingsView> {
      const problems: Problem[] = [];
      for (const kind of SMS_REQUEST_KINDS) {
        const byLanguage = input.privacyWords[kind];
        if (!byLanguage) continue;
        let count = 0;
        for (const language of LANGUAGES) {
          (byLanguage[language] ?? []).forEach((w, i) => {
            const k = keywordOf(w);
            if (k === null || foldKeyword(k) !== foldKeyword(w.trim()))
              problems.push({
                path: `/body/privacyWords/${kind}/${language}/${i}`,
                message: 'must be one word',
              });
            count++;
          });
        }
        if (count === 0)
          problems.push({ path: `/body/privacyWords/${kind}`, message: 'must keep at least one word' });
      }
      if (problems.length > 0) throw invalid(problems);
      return db.transaction().execute(async (tx) => {
        const current = await privacyWordsOf(tx, actor.accountId);
        const next: PrivacyWords = {
          access: input.privacyWords.access ?? current.access,
          erasure: input.privacyWords.erasure ?? current.erasure,
        };
        const row = { privacy_words: JSON.stringify(next), updated_at: clock.now() };
        await tx
          .insertInto('keyword_settings')
          .values({ account_id: actor.accountId, ...row })
          .onConflict((oc) => oc.column('account_id').doUpdateSet(row))
          .execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'keyword_settings.changed',
          target: { type: 'account', id: actor.accountId },
        });
        return view(tx, actor.accountId);
      });
    },
  };
}

export type KeywordSettings = ReturnType<typeof createKeywordSettings>;
