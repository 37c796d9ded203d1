import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { Db, DbOrTx } from '../../storage/database';
import type { ClientActor } from '../accounts';
import type { AuditLog } from '../audit';
import { auditActorOf } from '../audit';
import { formatClockTime, parseClockTime } from './quiet-hours';

/** Opt-out words recognised as the first word of a reply, in the languages of the default markets. */
export const DEFAULT_STOP_WORDS = [
  'STOP',
  'STOPP',
  'STOPALL',
  'ARRET',
  'ARRÊT',
  'ALTO',
  'BAJA',
  'PARAR',
  'STOPPEN',
  'ABMELDEN',
  'ATCEL',
  'ATCELT',
  'ATTEIKT',
  'СТОП',
  'ОСТАНОВИТЬ',
  'ОТПИСАТЬСЯ',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'OPTOUT',
] as const;

export const DEFAULT_QUIET_HOURS = { start: '21:00', end: '08:00' } as const;
export const MAX_FOOTER = 160;
export const MAX_STOP_WORDS = 50;

/** An account's campaign settings as the API shows them. */
export interface CampaignSettingsView {
  quietHours: { start: string; end: string };
  /** Appended to marketing campaigns (after a new line) unless the text already has an opt-out. */
  optOutFooter: string | null;
  stopWords: string[];
}

export interface CampaignSettingsInput {
  quietHours?: { start: string; end: string } | undefined;
  optOutFooter?: string | null | undefined;
  stopWords?: string[] | undefined;
}

export interface ResolvedCampaignSettings {
  quietStart: number;
  quietEnd: number;
  footer: string | null;
  stopWords: ReadonlySet<string>;
}

const DEFAULTS: ResolvedCampaignSettings = {
  quietStart: parseClockTime(DEFAULT_QUIET_HOURS.start)!,
  quietEnd: parseClockTime(DEFAULT_QUIET_HOURS.end)!,
  footer: null,
  stopWords: new Set(DEFAULT_STOP_WORDS),
};

/** Upper-cases a keyword the way the inbound module does for the first word of a reply. */
export function normalizeStopWord(word: string): string {
  return word.trim().toUpperCase();
}

export function viewOf(s: ResolvedCampaignSettings): CampaignSettingsView {
  return {
    quietHours: { start: formatClockTime(s.quietStart), end: formatClockTime(s.quietEnd) },
    optOutFooter: s.footer,
    stopWords: [...s.stopWords],
  };
}

/** Reads an account's settings (the defaults when it never saved any). */
export async function campaignSettingsOf(db: DbOrTx, accountId: string): Promise<ResolvedCampaignSettings> {
  const row = await db
    .selectFrom('campaign_settings')
    .selectAll()
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  if (!row) return DEFAULTS;
  let words: string[] = [];
  try {
    words = JSON.parse(row.stop_words) as string[];
  } catch {
    words = [...DEFAULT_STOP_WORDS];
  }
  return {
    quietStart: Number(row.quiet_start),
    quietEnd: Number(row.quiet_end),
    footer: row.footer,
    stopWords: new Set(words),
  };
}

/** Per-account campaign settings: default quiet hours, the opt-out footer and the STOP synonyms. */
export function createCampaignSettings(deps: { db: Db; audit: AuditLog; clock: Clock }) {
  return {
    async get(accountId: string): Promise<CampaignSettingsView> {
      return viewOf(await campaignSettingsOf(deps.db, accountId));
    },

    async put(actor: ClientActor, input: CampaignSettingsInput): Promise<CampaignSettingsView> {
      const errors: Array<{ path: string; message: string }> = [];
      let quietStart: number | null = null;
      let quietEnd: number | null = null;
      if (input.quietHours) {
        quietStart = parseClockTime(input.quietHours.start);
        quietEnd = parseClockTime(input.quietHours.end);
        if (quietStart === null)
          errors.push({ path: '/body/quietHours/start', message: 'must be HH:MM (24 h)' });
        if (quietEnd === null) errors.push({ path: '/body/quietHours/end', message: 'must be HH:MM (24 h)' });
      }
      const words = input.stopWords?.map(normalizeStopWord).filter((w) => w !== '');
      if (words) {
        words.forEach((w, i) => {
          if (/\s/u.test(w)) errors.push({ path: `/body/stopWords/${i}`, message: 'must be one word' });
        });
        if (words.length === 0)
          errors.push({ path: '/body/stopWords', message: 'must keep at least one word' });
      }
      if (errors.length > 0)
        throw new AppError('validation_failed', errors.map((e) => `${e.path} ${e.message}`).join('; '), {
          errors,
        });
      const accountId = actor.accountId;
      return deps.db.transaction().execute(async (tx) => {
        const current = await campaignSettingsOf(tx, accountId);
        const next: ResolvedCampaignSettings = {
          quietStart: quietStart ?? current.quietStart,
          quietEnd: quietEnd ?? current.quietEnd,
          footer: input.optOutFooter === undefined ? current.footer : input.optOutFooter?.trim() || null,
          stopWords: words ? new Set(words) : current.stopWords,
        };
        const row = {
          quiet_start: next.quietStart,
          quiet_end: next.quietEnd,
          footer: next.footer,
          stop_words: JSON.stringify([...next.stopWords]),
          updated_at: deps.clock.now(),
        };
        await tx
          .insertInto('campaign_settings')
          .values({ account_id: accountId, ...row })
          .onConflict((oc) => oc.column('account_id').doUpdateSet(row))
          .execute();
        await deps.audit.record(tx, {
          accountId,
          actor: auditActorOf(actor),
          action: 'campaign_settings.changed',
          target: { type: 'account', id: accountId },
          data: {
            quietHours: input.quietHours !== undefined,
            optOutFooter: input.optOutFooter !== undefined,
            stopWords: words?.length ?? null,
          },
        });
        return viewOf(next);
      });
    },
  };
}
