/**
 * Inbound messages to a number with an "SMS URL" (Twilio's IncomingPhoneNumber `SmsUrl`): POSTed there
 * (or, with `SmsMethod=GET`, requested with the parameters in the query string) in Twilio's incoming shape, signed with `X-Twilio-Signature`, and a TwiML answer's `<Message>`
 * elements sent back to the sender from that number. Rows go through the status callbacks' delivery table
 * (kind `incoming`), so they share its sender, claim and retry ladder.
 */

import type { Logger } from '../../kernel/logger';
import type { SecretBox } from '../../kernel/secret-box';
import type { DbOrTx } from '../../storage/database';
import type { TwilioCallbackDeliveriesTable } from '../../storage/schema-twilio';
import type { ClientEvent } from '../messaging';
import { openOrNull } from './open-secret';
import { API_VERSION } from './shapes';
import { accountSid } from './sids';
import { twilioSignature } from './signature';

/** Replies taken from one TwiML answer at most (Twilio sends each `<Message>`). */
export const MAX_TWIML_MESSAGES = 10;

interface ReceivedData {
  id: string;
  from: string;
  to: string;
  text: string;
}

/** `SM` + 32 hex for an inbound message id (`inb_…`): the same reversible bits as a message's SID. */
function inboundSid(id: string): string {
  const ulid = id.slice(4);
  let n = 0n;
  for (const ch of ulid) n = (n << 5n) | BigInt('0123456789abcdefghjkmnpqrstvwxyz'.indexOf(ch));
  return `SM${n.toString(16).padStart(32, '0').slice(-32)}`;
}

/** Delivery rows for received messages to numbers that have an SMS URL. */
export async function incomingRows(
  tx: DbOrTx,
  events: readonly ClientEvent[],
  keys: { secrets: SecretBox; logger: Pick<Logger, 'warn'> },
  make: (
    base: Pick<
      TwilioCallbackDeliveriesTable,
      'account_id' | 'message_id' | 'url' | 'method' | 'body' | 'signature'
    >,
  ) => TwilioCallbackDeliveriesTable,
): Promise<TwilioCallbackDeliveriesTable[]> {
  const received = events
    .filter((e) => e.type === 'message.received')
    .map((e) => ({ accountId: e.accountId, data: e.data as ReceivedData }))
    .filter((e) => typeof e.data?.id === 'string' && typeof e.data.to === 'string');
  if (received.length === 0) return [];
  const numbers = [...new Set(received.map((e) => e.data.to))];
  const urls = await tx
    .selectFrom('twilio_sms_urls')
    .selectAll()
    .where('number', 'in', numbers.slice(0, 1000))
    .execute();
  const byNumber = new Map(urls.map((u) => [u.number, u]));
  const rows: TwilioCallbackDeliveriesTable[] = [];
  for (const { accountId, data } of received) {
    const target = byNumber.get(data.to);
    // A number that changed hands keeps no URL of its former account.
    if (!target || target.account_id !== accountId) continue;
    const authToken = openOrNull(keys.secrets, target.auth_token, keys.logger, 'SMS URL post');
    if (authToken === null) continue;
    const sid = inboundSid(data.id);
    const params: Record<string, string> = {
      AccountSid: accountSid(accountId),
      ApiVersion: API_VERSION,
      Body: data.text,
      From: data.from,
      MessageSid: sid,
      NumMedia: '0',
      NumSegments: '1',
      SmsMessageSid: sid,
      SmsSid: sid,
      SmsStatus: 'received',
      To: data.to,
    };
    const form = new URLSearchParams(params).toString();
    if (target.method === 'GET') {
      // Twilio's GET: the parameters join the URL's query, and the signature covers that URL alone.
      const url = `${target.url}${target.url.includes('?') ? '&' : '?'}${form}`;
      const base = { account_id: accountId, message_id: data.id, url, method: 'GET' as const, body: '' };
      rows.push(make({ ...base, signature: twilioSignature(authToken, url, {}) }));
      continue;
    }
    rows.push(
      make({
        account_id: accountId,
        message_id: data.id,
        url: target.url,
        method: 'POST',
        body: form,
        signature: twilioSignature(authToken, target.url, params),
      }),
    );
  }
  return rows;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|lt|gt|amp|quot|apos);/g, (_, e: string) => {
    if (e[0] !== '#') return ENTITIES[e]!;
    const code = e[1] === 'x' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
    return code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

/**
 * The texts of a TwiML answer's `<Message>` elements (`<Message>text</Message>` or with a `<Body>`
 * child), at most MAX_TWIML_MESSAGES. The answer is the sender's excerpt (at most 1 KiB), and the
 * patterns have no nested repetition, so the work is bounded. Anything that is not TwiML gives nothing.
 */
export function twimlMessages(answer: string | null): string[] {
  if (!answer || !/<Response[\s>]/.test(answer)) return [];
  const texts: string[] = [];
  for (const match of answer.matchAll(/<Message(?:\s[^>]*)?>([\s\S]*?)<\/Message>/g)) {
    const inner = match[1]!;
    const body = /<Body(?:\s[^>]*)?>([\s\S]*?)<\/Body>/.exec(inner);
    const text = unescapeXml((body ? body[1]! : inner.replace(/<[^>]*>/g, '')).trim());
    if (text !== '') texts.push(text);
    if (texts.length === MAX_TWIML_MESSAGES) break;
  }
  return texts;
}

/** The data a reply needs: the number's credential, and who is answered from which number. */
export async function replyContext(
  db: DbOrTx,
  row: TwilioCallbackDeliveriesTable,
  keys: { secrets: SecretBox; logger: Pick<Logger, 'warn'> },
) {
  const params = row.method === 'GET' ? new URL(row.url).searchParams : new URLSearchParams(row.body);
  const to = params.get('To');
  const from = params.get('From');
  if (!to || !from) return null;
  const target = await db
    .selectFrom('twilio_sms_urls')
    .select(['auth_token', 'account_id'])
    .where('number', '=', to)
    .executeTakeFirst();
  if (!target || target.account_id !== row.account_id) return null;
  const authToken = openOrNull(keys.secrets, target.auth_token, keys.logger, 'TwiML reply');
  return authToken === null ? null : { authToken, number: to, sender: from };
}
