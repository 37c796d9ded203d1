import type { DbOrTx } from '../../storage/database';
import type { StopReply } from '../contacts';
import { foldKeyword } from '../inbound';
import { campaignSettingsOf } from './settings';

/** An inbound message as the inbound module stores it (only what opt-out detection needs). */
export interface InboundReply {
  id: string;
  account_id: string | null;
  from_number: string;
  keyword: string | null;
}

/** Words that undo a STOP (the person asks to receive messages again), by language. */
export const START_WORDS_BY_LANGUAGE: Readonly<Record<string, readonly string[]>> = {
  en: ['START', 'UNSTOP', 'SUBSCRIBE', 'RESUME'],
  lv: ['SĀKT'],
  ru: ['СТАРТ'],
  de: ['ANMELDEN'],
  fr: ['DÉMARRER'],
  es: ['ALTA'],
};

/** Every START word, folded as replies are compared (upper case, no accents). */
export const START_WORDS: ReadonlySet<string> = new Set(
  Object.values(START_WORDS_BY_LANGUAGE).flatMap((words) => words.map(foldKeyword)),
);

/**
 * Finds the replies whose keyword is one of the owning account's STOP words (defaults or its own list)
 * and hands them to the suppression list, and the START replies that lift an earlier STOP, in the
 * transaction that stores them.
 */
export function createStopReplies(deps: {
  record: (tx: DbOrTx, replies: StopReply[]) => Promise<number>;
  start?: (tx: DbOrTx, replies: StopReply[]) => Promise<number>;
}) {
  return async function handle(tx: DbOrTx, inbound: InboundReply[]): Promise<number> {
    const candidates = inbound.filter(
      (m) => m.account_id !== null && m.keyword !== null && /^\+\d{6,15}$/.test(m.from_number),
    );
    if (candidates.length === 0) return 0;
    const words = new Map<string, ReadonlySet<string>>();
    const replies: StopReply[] = [];
    const starts: StopReply[] = [];
    for (const m of candidates) {
      const accountId = m.account_id!;
      let set = words.get(accountId);
      if (!set) {
        // Accents and case do not matter: ARRÊT, Arret and arret all stop.
        set = new Set([...(await campaignSettingsOf(tx, accountId)).stopWords].map(foldKeyword));
        words.set(accountId, set);
      }
      const reply = { accountId, phone: m.from_number, inboundId: m.id, keyword: m.keyword! };
      const folded = foldKeyword(m.keyword!);
      if (set.has(folded)) replies.push(reply);
      else if (START_WORDS.has(folded)) starts.push(reply);
    }
    const stopped = replies.length > 0 ? await deps.record(tx, replies) : 0;
    const started = starts.length > 0 && deps.start ? await deps.start(tx, starts) : 0;
    return stopped + started;
  };
}
