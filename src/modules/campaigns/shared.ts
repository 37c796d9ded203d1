import type { Clock } from '../../kernel/clock';
import { AppError, type FieldError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Db, DbOrTx } from '../../storage/database';
import type { CampaignsTable } from '../../storage/schema-campaigns';
import type { AuditLog } from '../audit';
import type { Ledger, PriceBook } from '../billing';
import type { CampaignMessages } from '../messaging';
import type { BlockedNumbers } from './audience';
import type { LinkIssuer } from './link-issuer';
import type { LinkStats } from './link-stats';
import { type ParsedTemplate, validateTemplate } from './template';

/** What the campaigns module needs. Links are optional so the module works without click tracking. */
export interface CampaignsDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  audit: AuditLog;
  ledger: Ledger;
  priceBook: PriceBook;
  messages: CampaignMessages;
  /** PUBLIC_URL: base of short links. */
  publicUrl: string;
  links?: { issuer: LinkIssuer; stats: LinkStats } | null;
  /** Numbers blocked outside the suppression list (restricted data subjects), when that module is wired. */
  blocked?: BlockedNumbers | undefined;
  /** The operator's shared sender (`DEFAULT_SENDER`), for accounts without one of their own. */
  sharedSender?: string | null | undefined;
  /**
   * The trust guards, checked when a campaign starts: its sender towards every country of its audience
   * (throws `sender_not_allowed`), and its texts against the content rules.
   */
  trust?:
    | {
        checkSenders: (
          db: Db,
          accountId: string,
          uses: Array<{ sender: string; country: string | null; path: string }>,
        ) => Promise<void>;
        checkContent: (
          db: Db,
          accountId: string,
          texts: string[],
        ) => Promise<Map<string, { action: 'reject' | 'hold'; rule: string; detail: string }>>;
      }
    | undefined;
  /** Contacts per fan-out transaction (default 2000). */
  batchSize?: number;
}

export const iso = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : new Date(Number(ms)).toISOString();

/** A campaign of the account, or `not_found` (foreign ids included). */
export async function ownCampaign(db: DbOrTx, accountId: string, id: string): Promise<CampaignsTable> {
  const row = await db
    .selectFrom('campaigns')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', 'No such campaign.');
  return row;
}

/** The custom field keys of an account (placeholders a template may use besides the built-ins). */
export async function fieldKeysOf(db: DbOrTx, accountId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('contact_fields')
    .select('key')
    .where('account_id', '=', accountId)
    .execute();
  return rows.map((r) => r.key);
}

/** Validates a template against the account's fields; `template_invalid` lists each problem with its offset. */
export function checkTemplate(text: string, fieldKeys: string[], path: string): ParsedTemplate {
  if (text.trim() === '')
    throw new AppError('empty_message', `${path} must not be empty.`, {
      errors: [{ path, message: 'must not be empty' }],
    });
  const parsed = validateTemplate(text, fieldKeys);
  if (parsed.errors.length > 0) {
    const errors: FieldError[] = parsed.errors.map((e) => ({
      path,
      message: `at ${e.position}: ${e.message}`,
    }));
    throw new AppError(
      'template_invalid',
      errors.length === 1
        ? `${path} ${errors[0]!.message}.`
        : `${errors.length} problems in the template; see errors.`,
      { errors },
    );
  }
  return parsed;
}

const OPT_OUT_URL = /https?:\/\/\S*(?:unsub|opt-?out|stop|abmelden|atteikt)/iu;

/**
 * True when a text tells the recipient how to opt out: one of the account's STOP words written in
 * capitals as a word of its own ("Reply STOP to +371…"; "Stop" and "stop" count for STOP itself), or a
 * link whose address says unsubscribe/opt-out. Lower-case synonyms do not count: "until the end of May"
 * is no opt-out instruction.
 */
export function hasOptOut(text: string, stopWords: ReadonlySet<string>): boolean {
  if (OPT_OUT_URL.test(text)) return true;
  for (const word of text.split(/[^\p{L}\p{N}]+/u)) {
    if (!word) continue;
    if (stopWords.has(word) || (word.toUpperCase() === 'STOP' && stopWords.has('STOP'))) return true;
  }
  return false;
}
