import type { TextPricer } from '../messaging';
import { countryOfE164 } from '../phone';
import type { AudienceContact } from './audience';
import { CODE_LENGTH } from './link-codes';
import { findUrls, replaceUrls } from './link-urls';
import { contactValues, type ParsedTemplate, parseTemplate, renderTemplate } from './template';
import { VARIANT_LABELS, type Variant, variantPicker } from './variants';

const countries = new Map<string, string | null>();

/**
 * The country of a stored E.164 number. Parsing costs microseconds and a campaign asks a million times, so
 * results are cached by the first seven digits, which decide the country in every numbering plan
 * (NANP area codes, +7 6/7, +44 7781 …).
 */
export function countryOfNumber(phone: string): string | null {
  const key = phone.slice(0, 8);
  let country = countries.get(key);
  if (country === undefined) {
    country = countryOfE164(phone);
    if (phone.length > 8) {
      if (countries.size > 200_000) countries.clear();
      countries.set(key, country);
    }
  }
  return country;
}

/** Everything needed to turn one contact into its text, fixed for a campaign run. */
export interface TextPlan {
  template: ParsedTemplate;
  footer: string | null;
  trackLinks: boolean;
  hasAttachment: boolean;
  /** Base of short links (`PUBLIC_URL`), to size texts before the links exist. */
  publicUrl: string;
}

export function textPlan(input: {
  text: string;
  footer: string | null;
  trackLinks: boolean;
  hasAttachment: boolean;
  publicUrl: string;
}): TextPlan {
  return {
    template: parseTemplate(input.text),
    footer: input.footer,
    trackLinks: input.trackLinks,
    hasAttachment: input.hasAttachment,
    publicUrl: input.publicUrl.replace(/\/$/, ''),
  };
}

/**
 * The text plans of a campaign: one, or one per A/B variant (same footer, links and attachment), and
 * which of them a recipient gets.
 */
export interface TextPlans {
  plans: TextPlan[];
  /** The variant index of a number (always 0 without a split). */
  pick: (phone: string) => number;
  /** True when the campaign splits its text. */
  split: boolean;
}

export function textPlans(input: {
  campaignId: string;
  text: string;
  variants: Variant[] | null;
  footer: string | null;
  trackLinks: boolean;
  hasAttachment: boolean;
  publicUrl: string;
}): TextPlans {
  const texts = input.variants ? input.variants.map((v) => v.text) : [input.text];
  return {
    plans: texts.map((text) => textPlan({ ...input, text })),
    pick: variantPicker(input.campaignId, input.variants),
    split: input.variants !== null,
  };
}

/** The personalised body of a contact (before links, attachment and footer). */
export function bodyOf(plan: TextPlan, contact: AudienceContact): string {
  return renderTemplate(plan.template, contactValues(contact));
}

/** The URLs of a body that become short links (none unless the campaign tracks links). */
export function urlsOf(plan: TextPlan, body: string): string[] {
  return plan.trackLinks ? findUrls(body).map((u) => u.url) : [];
}

/** The final text: tracked URLs replaced, the attachment link and the opt-out footer appended. */
export function finalText(
  plan: TextPlan,
  body: string,
  shortUrls: string[] | null,
  attachmentUrl: string | null,
): string {
  let text = shortUrls && shortUrls.length > 0 ? replaceUrls(body, shortUrls) : body;
  if (attachmentUrl) text += `\n${attachmentUrl}`;
  if (plan.footer) text += `\n${plan.footer}`;
  return text;
}

/**
 * The text exactly as long as the one the fan-out will send: short links have a fixed length, so
 * placeholders of that length give the same encoding and segment count (and so the same price).
 */
export function sizedText(plan: TextPlan, body: string): string {
  const urls = urlsOf(plan, body);
  const placeholder = (kind: 'l' | 'a') => `${plan.publicUrl}/${kind}/${'x'.repeat(CODE_LENGTH)}`;
  return finalText(
    plan,
    body,
    urls.map(() => placeholder('l')),
    plan.hasAttachment ? placeholder('a') : null,
  );
}

export interface Measured {
  recipients: number;
  /** Per variant (index = variant) when the campaign splits its text; empty otherwise. */
  byVariant: Array<{ recipients: number; segments: number; cost: number }>;
  segments: number;
  cost: number;
  longest: { text: string; encoding: string; segments: number } | null;
  byCountry: Map<string | null, { recipients: number; cost: number }>;
  samples: Array<{
    contactId: string;
    to: string;
    country: string | null;
    text: string;
    encoding: string;
    segments: number;
    price: number;
    /** The variant's label (A–D) when the campaign splits its text. */
    variant?: string | undefined;
  }>;
}

/** Walks the whole audience and adds up what the campaign will cost; nothing is written. */
export async function measure(
  pages: (afterId: string | null) => Promise<{ contacts: AudienceContact[]; last: string | null }>,
  plans: TextPlans,
  pricer: TextPricer,
  sampleCount = 3,
): Promise<Measured> {
  const out: Measured = {
    recipients: 0,
    byVariant: plans.split ? plans.plans.map(() => ({ recipients: 0, segments: 0, cost: 0 })) : [],
    segments: 0,
    cost: 0,
    longest: null,
    byCountry: new Map(),
    samples: [],
  };
  let after: string | null = null;
  for (;;) {
    const page = await pages(after);
    for (const c of page.contacts) {
      const variant = plans.pick(c.phone);
      const plan = plans.plans[variant]!;
      const text = sizedText(plan, bodyOf(plan, c));
      const country = countryOfNumber(c.phone);
      const priced = pricer(text, country);
      out.recipients++;
      const v = out.byVariant[variant];
      if (v) {
        v.recipients++;
        v.segments += priced.analysis.segments;
        v.cost += priced.price;
      }
      out.segments += priced.analysis.segments;
      out.cost += priced.price;
      const entry = out.byCountry.get(country) ?? { recipients: 0, cost: 0 };
      entry.recipients++;
      entry.cost += priced.price;
      out.byCountry.set(country, entry);
      const longest = out.longest;
      if (
        !longest ||
        priced.analysis.segments > longest.segments ||
        (priced.analysis.segments === longest.segments && text.length > longest.text.length)
      )
        out.longest = { text, encoding: priced.analysis.encoding, segments: priced.analysis.segments };
      if (out.samples.length < sampleCount) {
        out.samples.push({
          contactId: c.id,
          to: c.phone,
          country,
          text,
          encoding: priced.analysis.encoding,
          segments: priced.analysis.segments,
          price: priced.price,
          ...(plans.split ? { variant: VARIANT_LABELS[variant] } : {}),
        });
      }
    }
    if (page.last === null) break;
    after = page.last;
  }
  return out;
}
