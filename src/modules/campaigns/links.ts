import { randomBytes } from 'node:crypto';
import { CompiledQuery } from 'kysely';
import type { Clock } from '../../kernel/clock';
import { AppError } from '../../kernel/errors';
import type { IdGenerator } from '../../kernel/ids';
import type { Db, DbOrTx, Tx } from '../../storage/database';
import type { GroupCommit } from '../../storage/group-commit';
import type { AttachmentsTable, LinksTable } from '../../storage/schema-links';
import { parseMessagingSettings } from '../accounts';

// ---------------------------------------------------------------------------------------------------
// Finding URLs in a text (pure)

/**
 * A URL starts after a space, punctuation or a CJK character (scripts written without spaces), never
 * inside a Latin, Cyrillic or Greek word ("xhttps://", "awww."). It ends at white space, at brackets and
 * quotes that are not part of URLs, and at emoji (people write "see https://x.lv🎉").
 */
const URL_PATTERN =
  /(?<![\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\p{N}_@./:-])(?:https?:\/\/|www\.)[^\s<>"`{}|\\^«»“”‘’„\p{Extended_Pictographic}]+/giu;
/** Punctuation that ends a sentence rather than a URL. */
const TRAILING = new Set([...".,;:!?'…。、，！？；："]);
const PAIRS: Record<string, string> = { ')': '(', ']': '[' };

function trimUrl(url: string): string {
  let out = url;
  for (;;) {
    const last = out[out.length - 1] ?? '';
    if (TRAILING.has(last)) {
      out = out.slice(0, -1);
      continue;
    }
    const open = PAIRS[last];
    // Keep a closing bracket the URL opened itself (Wikipedia's "Foo_(bar)"); drop one the sentence opened.
    if (open && out.split(open).length < out.split(last).length) {
      out = out.slice(0, -1);
      continue;
    }
    return out;
  }
}

const HAS_HOST = /^(?:https?:\/\/[\p{L}\p{N}]|www\.[\p{L}\p{N}-]+\.[\p{L}\p{N}])/iu;

/**
 * The http(s):// and www. URLs of a text, in order, with their UTF-16 offsets (`text.slice(start, end)`
 * is the URL). Sentence punctuation after a URL (".", ",", ")" it did not open…) is not part of it.
 */
export function findUrls(text: string): Array<{ start: number; end: number; url: string }> {
  const out: Array<{ start: number; end: number; url: string }> = [];
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = trimUrl(match[0]);
    if (!HAS_HOST.test(url)) continue;
    out.push({ start: match.index, end: match.index + url.length, url });
  }
  return out;
}

/** The text with the URLs `findUrls` finds replaced, in order, by `shortUrls` (extra URLs stay as they are). */
export function replaceUrls(text: string, shortUrls: string[]): string {
  let out = '';
  let at = 0;
  findUrls(text).forEach((found, i) => {
    const short = shortUrls[i];
    if (short === undefined) return;
    out += text.slice(at, found.start) + short;
    at = found.end;
  });
  return out + text.slice(at);
}

/** Where a found URL leads: `www.…` gets `https://`. */
export function linkTarget(url: string): string {
  return /^https?:\/\//i.test(url) ? url : `https://${url}`;
}

// ---------------------------------------------------------------------------------------------------
// User agent family (pure)

export const UA_FAMILIES = [
  'Chrome',
  'Safari',
  'Firefox',
  'Samsung Internet',
  'Edge',
  'Opera',
  'bot',
  'other',
] as const;
export type UaFamily = (typeof UA_FAMILIES)[number];

// Link-preview fetchers (messengers unfurling the SMS link), crawlers and HTTP libraries.
const BOT =
  /bot\b|bot\/|crawler|spider|preview|facebookexternalhit|whatsapp|telegram|slack|discord|skypeuripreview|embedly|vkshare|pinterest|quora link|bitlybot|curl\/|wget\/|python-|go-http-client|java\/|axios\/|node-fetch|headless|lighthouse|phantomjs|httpclient|okhttp\/[0-2]\./i;

/**
 * A coarse family of a User-Agent header: enough for statistics, too coarse to identify anyone (the full
 * header is never stored). Link-preview fetchers and scripts are `bot`.
 */
export function userAgentFamily(userAgent: string | null | undefined): UaFamily {
  const ua = userAgent ?? '';
  if (ua.trim() === '') return 'other';
  if (BOT.test(ua)) return 'bot';
  if (/SamsungBrowser\//.test(ua)) return 'Samsung Internet';
  if (/\b(Edg|EdgA|EdgiOS|Edge)\//.test(ua)) return 'Edge';
  if (/\b(OPR|Opera|OPiOS|OPT)\//.test(ua)) return 'Opera';
  if (/\b(Firefox|FxiOS)\//.test(ua)) return 'Firefox';
  if (/\b(CriOS|Chrome|Chromium)\//.test(ua)) return 'Chrome';
  if (/\bSafari\//.test(ua) || /\b(iPhone|iPad|iPod)\b.*AppleWebKit/.test(ua)) return 'Safari';
  return 'other';
}

// ---------------------------------------------------------------------------------------------------
// Codes

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 62^8 ≈ 2.2·10^14 codes: a collision is rare enough to retry row by row. */
export const CODE_LENGTH = 8;
const CODE = /^[0-9A-Za-z]{7,8}$/;

/** `n` distinct random base62 codes (rejection sampling keeps them uniform). */
export function newCodes(n: number): string[] {
  const out = new Set<string>();
  let pool = randomBytes(Math.max(64, n * CODE_LENGTH * 1.1) | 0);
  let at = 0;
  while (out.size < n) {
    let code = '';
    while (code.length < CODE_LENGTH) {
      if (at >= pool.length) {
        pool = randomBytes(Math.max(64, (n - out.size) * CODE_LENGTH * 1.1) | 0);
        at = 0;
      }
      const byte = pool[at++]!;
      if (byte < 248) code += ALPHABET[byte % 62];
    }
    out.add(code);
  }
  return [...out];
}

// ---------------------------------------------------------------------------------------------------
// Issuing links

export type NewLink = Omit<LinksTable, 'deleted_at' | 'first_clicked_at'>;

// 9 columns × 2,000 rows stays under SQLite's and PostgreSQL's bound-parameter limits.
const INSERT_ROWS = 2000;
const LINK_COLUMNS = [
  'code',
  'account_id',
  'campaign_id',
  'message_id',
  'contact_id',
  'target_url',
  'attachment_id',
  'created_at',
  'expires_at',
] as const satisfies ReadonlyArray<keyof NewLink>;
const insertSql = new Map<string, string>();

/**
 * The multi-row INSERT … ON CONFLICT DO NOTHING text for `count` rows, in the placeholder style of the
 * connection's dialect (`?` or `$n`). Written by hand and cached: building a 2,000-row insert through
 * the query builder costs more than SQLite takes to run it; the same text also reuses SQLite's
 * prepared statement.
 */
function linkInsertSql(tx: DbOrTx, count: number): string {
  const numbered = tx.selectFrom('links').select('code').where('code', '=', '').compile().sql.includes('$1');
  const key = `${numbered ? '$' : '?'}${count}`;
  let text = insertSql.get(key);
  if (!text) {
    const width = LINK_COLUMNS.length;
    const tuples: string[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const marks = LINK_COLUMNS.map((_, j) => (numbered ? `$${i * width + j + 1}` : '?'));
      tuples[i] = `(${marks.join(', ')})`;
    }
    text = `insert into "links" (${LINK_COLUMNS.map((c) => `"${c}"`).join(', ')}) values ${tuples.join(', ')} on conflict ("code") do nothing`;
    // Batches are usually full; keep only a few odd sizes.
    if (insertSql.size > 64) insertSql.clear();
    insertSql.set(key, text);
  }
  return text;
}

/**
 * Inserts the rows, replacing the code of any row whose code was already taken (by an earlier batch)
 * and inserting that row again. ON CONFLICT DO NOTHING, not a caught error: on PostgreSQL a failed
 * statement would abort the caller's whole transaction.
 */
export async function insertLinks(tx: DbOrTx, rows: NewLink[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_ROWS) {
    let pending = rows.slice(i, i + INSERT_ROWS);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 5) throw new Error('could not find free short-link codes');
      const params: unknown[] = [];
      for (const row of pending) for (const column of LINK_COLUMNS) params.push(row[column]);
      const result = await tx.executeQuery(CompiledQuery.raw(linkInsertSql(tx, pending.length), params));
      if (Number(result.numAffectedRows ?? 0) === pending.length) break;
      const stored = await tx
        .selectFrom('links')
        .select(['code', 'message_id', 'target_url', 'attachment_id', 'created_at'])
        .where(
          'code',
          'in',
          pending.map((r) => r.code),
        )
        .execute();
      const byCode = new Map(stored.map((s) => [s.code, s]));
      pending = pending.filter((r) => {
        const s = byCode.get(r.code);
        return !(
          s &&
          s.message_id === r.message_id &&
          s.target_url === r.target_url &&
          s.attachment_id === r.attachment_id &&
          Number(s.created_at) === r.created_at
        );
      });
      const fresh = newCodes(pending.length);
      pending.forEach((r, j) => {
        r.code = fresh[j]!;
      });
    }
  }
}

export interface LinkRecipient {
  messageId: string;
  contactId: string | null;
}

/** Issues per-recipient short links; called by the campaign fan-out inside its transaction. */
export interface LinkIssuer {
  /**
   * Per recipient, the short URL (`publicUrl/l/<code>`) of each of its URLs, in order. One multi-row
   * insert per batch. `expiresAt` (the campaign's retention; null or absent: no expiry) applies to all.
   */
  issueBatch(
    tx: DbOrTx,
    input: {
      accountId: string;
      campaignId: string | null;
      recipients: Array<LinkRecipient & { urls: string[] }>;
      expiresAt?: number | null;
    },
  ): Promise<Array<string[]>>;
  /**
   * Per recipient, a short URL (`publicUrl/a/<code>`) serving the attachment. The attachment must be a
   * live one of the account (else `not_found`); the links expire with it at the latest.
   */
  issueAttachmentLinks(
    tx: DbOrTx,
    input: {
      accountId: string;
      campaignId: string | null;
      attachmentId: string;
      recipients: LinkRecipient[];
      expiresAt?: number | null;
    },
  ): Promise<string[]>;
}

export function createLinkIssuer(deps: {
  clock: Clock;
  ids: IdGenerator;
  publicUrl: string;
  /** Origin of attachment links (`FILES_ORIGIN`); default `publicUrl`. */
  filesUrl?: string | null | undefined;
}): LinkIssuer {
  const base = deps.publicUrl.replace(/\/$/, '');
  const filesBase = (deps.filesUrl ?? deps.publicUrl).replace(/\/$/, '');
  return {
    async issueBatch(tx, input) {
      const now = deps.clock.now();
      const count = input.recipients.reduce((n, r) => n + r.urls.length, 0);
      const codes = newCodes(count);
      const rows: NewLink[] = new Array(count);
      let k = 0;
      for (const r of input.recipients) {
        for (const url of r.urls) {
          rows[k] = {
            code: codes[k]!,
            account_id: input.accountId,
            campaign_id: input.campaignId,
            message_id: r.messageId,
            contact_id: r.contactId,
            target_url: linkTarget(url),
            attachment_id: null,
            created_at: now,
            expires_at: input.expiresAt ?? null,
          };
          k++;
        }
      }
      await insertLinks(tx, rows);
      k = 0;
      return input.recipients.map((r) => r.urls.map(() => `${base}/l/${rows[k++]!.code}`));
    },

    async issueAttachmentLinks(tx, input) {
      const now = deps.clock.now();
      const attachment = await tx
        .selectFrom('attachments')
        .select(['id', 'expires_at'])
        .where('id', '=', input.attachmentId)
        .where('account_id', '=', input.accountId)
        .where('deleted_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (!attachment) throw new AppError('not_found', 'No such attachment (or it has expired).');
      const fileExpiry = Number(attachment.expires_at);
      const expiresAt = input.expiresAt == null ? fileExpiry : Math.min(input.expiresAt, fileExpiry);
      const codes = newCodes(input.recipients.length);
      const rows: NewLink[] = input.recipients.map((r, i) => ({
        code: codes[i]!,
        account_id: input.accountId,
        campaign_id: input.campaignId,
        message_id: r.messageId,
        contact_id: r.contactId,
        target_url: null,
        attachment_id: attachment.id,
        created_at: now,
        expires_at: expiresAt,
      }));
      await insertLinks(tx, rows);
      return rows.map((r) => `${filesBase}/a/${r.code}`);
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Following links, statistics, expiry

export type LinkKind = 'redirect' | 'attachment';

export interface FollowedLink {
  code: string;
  accountId: string;
  campaignId: string | null;
  targetUrl: string | null;
  attachment: Pick<AttachmentsTable, 'id' | 'file_key' | 'name' | 'content_type' | 'bytes'> | null;
}

/** Click counts of a campaign: every click (bots too), unique human clicks (one per link), bot clicks. */
export interface ClickStats {
  total: number;
  unique: number;
  bots: number;
}

export function createLinkStats(_deps: { db: Db }) {
  return {
    async clicks(db: DbOrTx, accountId: string, campaignId: string): Promise<ClickStats> {
      const row = await db
        .selectFrom('link_clicks')
        .select((eb) => [
          eb.fn.countAll<number>().as('total'),
          eb.fn.coalesce(eb.fn.sum<number>('is_first'), eb.lit(0)).as('uniq'),
          eb.fn
            .coalesce(
              eb.fn.sum<number>(eb.case().when('ua_family', '=', 'bot').then(1).else(0).end()),
              eb.lit(0),
            )
            .as('bots'),
        ])
        .where('account_id', '=', accountId)
        .where('campaign_id', '=', campaignId)
        .executeTakeFirst();
      return { total: Number(row?.total ?? 0), unique: Number(row?.uniq ?? 0), bots: Number(row?.bots ?? 0) };
    },

    /** The same counts per A/B variant of the campaign, from the message each clicked link was made for. */
    async clicksByVariant(
      db: DbOrTx,
      accountId: string,
      campaignId: string,
    ): Promise<Map<number, ClickStats>> {
      const rows = await db
        .selectFrom('link_clicks as k')
        .innerJoin('links as l', 'l.code', 'k.code')
        .innerJoin('messages as m', 'm.id', 'l.message_id')
        .select((eb) => [
          'm.variant',
          eb.fn.countAll<number>().as('total'),
          eb.fn.coalesce(eb.fn.sum<number>('k.is_first'), eb.lit(0)).as('uniq'),
          eb.fn
            .coalesce(
              eb.fn.sum<number>(eb.case().when('k.ua_family', '=', 'bot').then(1).else(0).end()),
              eb.lit(0),
            )
            .as('bots'),
        ])
        .where('k.account_id', '=', accountId)
        .where('k.campaign_id', '=', campaignId)
        .where('m.variant', 'is not', null)
        .groupBy('m.variant')
        .execute();
      return new Map(
        rows.map((r) => [
          Number(r.variant),
          { total: Number(r.total), unique: Number(r.uniq), bots: Number(r.bots) },
        ]),
      );
    },
  };
}

export type LinkStats = ReturnType<typeof createLinkStats>;

const SWEEP_BATCH = 1000;
/** Most (account, URL) groups one domain listing reads: the newest ones. */
const DOMAIN_GROUPS = 50_000;

/** One target domain of an account's short links. */
export interface LinkDomain {
  domain: string;
  accountId: string;
  links: number;
  lastSeen: string;
}

/** Following links (the public `/l/` and `/a/` routes), recording clicks, and the expiry sweep. */
export function createLinks(deps: { db: Db; clock: Clock; ids: IdGenerator; groupCommit?: GroupCommit }) {
  const { db, clock, ids } = deps;
  // Clicks arrive in bursts after a campaign goes out: sharing one commit (one fsync) between the clicks
  // that arrive together keeps redirects fast on SQLite.
  const write = <T>(work: (tx: Tx) => Promise<T>): Promise<T> =>
    deps.groupCommit ? deps.groupCommit.run(work) : db.transaction().execute(work);
  return {
    /**
     * The live link of this kind with this code. Unknown codes (and codes of the other kind) are
     * `not_found`; expired or deleted links, and links whose file has gone, are `link_expired`.
     */
    async resolve(code: string, kind: LinkKind): Promise<FollowedLink> {
      if (!CODE.test(code)) throw new AppError('not_found', 'No such link.');
      const row = await db
        .selectFrom('links')
        .leftJoin('attachments', 'attachments.id', 'links.attachment_id')
        .leftJoin('accounts', 'accounts.id', 'links.account_id')
        .select([
          'accounts.settings as account_settings',
          'links.code',
          'links.account_id',
          'links.campaign_id',
          'links.target_url',
          'links.attachment_id',
          'links.expires_at',
          'links.deleted_at',
          'attachments.file_key',
          'attachments.name',
          'attachments.content_type',
          'attachments.bytes',
          'attachments.expires_at as file_expires_at',
          'attachments.deleted_at as file_deleted_at',
        ])
        .where('links.code', '=', code)
        .executeTakeFirst();
      if (!row || (kind === 'attachment') !== (row.attachment_id !== null)) {
        throw new AppError('not_found', 'No such link.');
      }
      const now = clock.now();
      const expired = (at: number | null) => at !== null && Number(at) <= now;
      if (row.deleted_at !== null || expired(row.expires_at)) {
        throw new AppError('link_expired', 'This link has expired.');
      }
      // The operator turned the account's tracked links off (abuse of the platform's domain): its redirects
      // stop at once. Attachments are the platform's own files and keep being served.
      if (row.attachment_id === null && !parseMessagingSettings(row.account_settings).trackedLinks) {
        throw new AppError('link_expired', 'This link has been turned off.');
      }
      if (
        row.attachment_id !== null &&
        (row.file_key === null || row.file_deleted_at !== null || expired(row.file_expires_at))
      ) {
        throw new AppError('link_expired', 'The file of this link has been deleted.');
      }
      return {
        code: row.code,
        accountId: row.account_id,
        campaignId: row.campaign_id,
        targetUrl: row.target_url,
        attachment:
          row.attachment_id !== null
            ? {
                id: row.attachment_id,
                file_key: row.file_key!,
                name: row.name!,
                content_type: row.content_type!,
                bytes: Number(row.bytes),
              }
            : null,
      };
    },

    /**
     * Records a click: its time, campaign and user-agent family. The first human click of a link is its
     * unique click, decided by one conditional update so two simultaneous first clicks count once. Bots
     * (link previews) count as clicks but never as the unique one.
     */
    async recordClick(
      link: FollowedLink,
      userAgent: string | null | undefined,
    ): Promise<{ isFirst: boolean }> {
      const family = userAgentFamily(userAgent);
      const now = clock.now();
      return write(async (tx) => {
        let isFirst = false;
        if (family !== 'bot') {
          const updated = await tx
            .updateTable('links')
            .set({ first_clicked_at: now })
            .where('code', '=', link.code)
            .where('first_clicked_at', 'is', null)
            .executeTakeFirst();
          isFirst = Number(updated.numUpdatedRows) === 1;
        }
        await tx
          .insertInto('link_clicks')
          .values({
            id: ids('clk'),
            code: link.code,
            account_id: link.accountId,
            campaign_id: link.campaignId,
            clicked_at: now,
            ua_family: family,
            is_first: isFirst ? 1 : 0,
          })
          .execute();
        return { isFirst };
      });
    },

    /**
     * The operator's view of where the platform's short links lead: per target domain and account, how
     * many links and when the last was made, newest first. Grouped by URL in the database (a campaign's
     * links to one URL are one group), then by host here.
     */
    async domains(filter: { accountId?: string | undefined; limit: number }): Promise<LinkDomain[]> {
      let q = db
        .selectFrom('links')
        .select((eb) => [
          'account_id',
          'target_url',
          eb.fn.countAll<number>().as('n'),
          eb.fn.max('created_at').as('last'),
        ])
        .where('target_url', 'is not', null)
        .groupBy(['account_id', 'target_url'])
        .orderBy('last', 'desc')
        .limit(DOMAIN_GROUPS);
      if (filter.accountId) q = q.where('account_id', '=', filter.accountId);
      const byKey = new Map<string, { domain: string; accountId: string; links: number; last: number }>();
      for (const row of await q.execute()) {
        let domain: string;
        try {
          domain = new URL(row.target_url!).hostname.toLowerCase();
        } catch {
          continue;
        }
        const key = `${row.account_id} ${domain}`;
        const entry = byKey.get(key) ?? { domain, accountId: row.account_id, links: 0, last: 0 };
        entry.links += Number(row.n);
        entry.last = Math.max(entry.last, Number(row.last));
        byKey.set(key, entry);
      }
      return [...byKey.values()]
        .sort((a, b) => b.last - a.last || a.domain.localeCompare(b.domain))
        .slice(0, filter.limit)
        .map((e) => ({
          domain: e.domain,
          accountId: e.accountId,
          links: e.links,
          lastSeen: new Date(e.last).toISOString(),
        }));
    },

    /** Sets the expiry of every link of a campaign (its retention); null removes it. */
    async expireCampaignLinks(
      tx: DbOrTx,
      input: { accountId: string; campaignId: string; expiresAt: number | null },
    ): Promise<number> {
      const result = await tx
        .updateTable('links')
        .set({ expires_at: input.expiresAt })
        .where('account_id', '=', input.accountId)
        .where('campaign_id', '=', input.campaignId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    /**
     * Marks links past their expiry deleted, in batches; returns how many. Idempotent: marked links are
     * not matched again. Their clicks stay for the campaign's statistics until the campaign is purged.
     */
    async sweepLinks(now: number = clock.now()): Promise<number> {
      let done = 0;
      for (;;) {
        const batch = await db
          .selectFrom('links')
          .select('code')
          .where('expires_at', 'is not', null)
          .where('expires_at', '<=', now)
          .where('deleted_at', 'is', null)
          .limit(SWEEP_BATCH)
          .execute();
        if (batch.length === 0) return done;
        await db
          .updateTable('links')
          .set({ deleted_at: now })
          .where(
            'code',
            'in',
            batch.map((b) => b.code),
          )
          .where('deleted_at', 'is', null)
          .execute();
        done += batch.length;
        if (batch.length < SWEEP_BATCH) return done;
      }
    },
  };
}

export type Links = ReturnType<typeof createLinks>;
