import { AppError, type ErrorCode, type FieldError } from '../../kernel/errors';
import { type MessagingSettings, senderFor } from '../accounts';
import { type PriceList, priceFor } from '../billing';
import { analyzeText, type TextAnalysis } from '../codec';
import { lookalikeCharacters, senderIdProblem, tryNormalizePhone } from '../phone';

/** One message as a client asked for it (already shape-validated by the HTTP schema). */
export interface SendItem {
  to: string;
  text: string;
  from?: string | undefined;
  type?: 'transactional' | 'marketing' | undefined;
  sendAt?: string | undefined;
  validUntil?: string | undefined;
  reference?: string | undefined;
  /** The sender wants a callback for each status change of this message (see ClientEvent.statusCallback). */
  statusCallback?: boolean | undefined;
  /** Where this item sits in the request body, for error paths (e.g. `/body/to/3`). */
  path: { to: string; text: string; from: string; sendAt: string; validUntil: string };
}

/** A message ready to be written: normalised, encoded, counted and priced. */
export interface Draft {
  to: string;
  country: string | null;
  sender: string;
  /** Where the sender came from in the request (the item's `from` path), for the sender rules' errors. */
  senderPath: string;
  text: string;
  type: 'transactional' | 'marketing';
  analysis: TextAnalysis;
  unitPrice: number;
  price: number;
  sendAt: number | null;
  validUntil: number | null;
  reference: string | null;
  statusCallback: boolean;
}

export interface RecipientError {
  path: string;
  to: string;
  code: ErrorCode;
  detail: string;
}

const MAX_SCHEDULE_MS = 35 * 24 * 3600_000;
// Clients' clocks drift; a sendAt a little in the past means "now", not an error.
const PAST_GRACE_MS = 60_000;

/**
 * Turns a request into drafts. Problems with the request as a whole (text, sender, schedule) throw one
 * error listing every path; an invalid recipient is reported on its own so the rest can still be sent.
 */
export function compose(
  items: SendItem[],
  ctx: {
    settings: MessagingSettings;
    prices: PriceList;
    now: number;
    sharedSender?: string | null | undefined;
  },
): { drafts: Draft[]; recipientErrors: RecipientError[] } {
  const errors: FieldError[] = [];
  let firstCode: ErrorCode | null = null;
  const fail = (code: ErrorCode, path: string, message: string) => {
    firstCode ??= code;
    errors.push({ path, message });
  };
  const analyses = new Map<string, TextAnalysis>();
  const drafts: Draft[] = [];
  const recipientErrors: RecipientError[] = [];

  for (const item of items) {
    let analysis = analyses.get(item.text);
    if (!analysis) {
      analysis = analyzeText(item.text, { smartReplace: ctx.settings.smartEncoding });
      analyses.set(item.text, analysis);
    }
    if (analysis.segments === 0 || item.text.trim() === '')
      fail('empty_message', item.path.text, 'must not be empty');
    else if (analysis.segments > ctx.settings.maxSegments) {
      fail(
        'message_too_long',
        item.path.text,
        `needs ${analysis.segments} segments; the maximum is ${ctx.settings.maxSegments}`,
      );
    }
    const sender = item.from ?? senderFor(ctx.settings, ctx.sharedSender);
    // Look-alike letters are a trust refusal, named as such, before the format rule would refuse them too.
    const lookalikes = lookalikeCharacters(sender);
    if (lookalikes.length > 0)
      fail(
        'sender_not_allowed',
        item.path.from,
        `uses letters of another script that pass for Latin ones (${lookalikes.join(', ')}) (rule: look-alike characters)`,
      );
    else {
      const senderProblem = senderIdProblem(sender);
      if (senderProblem) fail('invalid_sender_id', item.path.from, senderProblem);
    }

    const sendAt = item.sendAt ? Date.parse(item.sendAt) : null;
    const validUntil = item.validUntil ? Date.parse(item.validUntil) : null;
    if (sendAt !== null) {
      if (sendAt < ctx.now - PAST_GRACE_MS) fail('invalid_schedule', item.path.sendAt, 'is in the past');
      else if (sendAt > ctx.now + MAX_SCHEDULE_MS)
        fail('invalid_schedule', item.path.sendAt, 'is more than 35 days ahead');
    }
    if (validUntil !== null) {
      if (validUntil <= Math.max(ctx.now, sendAt ?? 0))
        fail('invalid_schedule', item.path.validUntil, 'must be after now and after sendAt');
      else if (validUntil > ctx.now + MAX_SCHEDULE_MS + 7 * 24 * 3600_000)
        fail('invalid_schedule', item.path.validUntil, 'is too far ahead');
    }

    const phone = tryNormalizePhone(item.to, ctx.settings.defaultCountry);
    if (!phone.ok) {
      recipientErrors.push({
        path: item.path.to,
        to: item.to,
        code: 'invalid_phone_number',
        detail: phone.reason,
      });
      continue;
    }
    const unitPrice = priceFor(ctx.prices, phone.country);
    drafts.push({
      to: phone.e164,
      country: phone.country,
      sender,
      senderPath: item.path.from,
      text: analysis.text,
      type: item.type ?? 'transactional',
      analysis,
      unitPrice,
      price: unitPrice * analysis.segments,
      sendAt: sendAt !== null && sendAt > ctx.now ? sendAt : null,
      validUntil,
      reference: item.reference ?? null,
      statusCallback: item.statusCallback === true,
    });
  }
  if (firstCode) {
    throw new AppError(
      firstCode,
      errors.length === 1
        ? `${errors[0]!.path} ${errors[0]!.message}.`
        : 'Several fields are invalid; see errors.',
      { errors },
    );
  }
  return { drafts, recipientErrors };
}
