import { createHash } from 'node:crypto';
import { AppError, type FieldError } from '../../kernel/errors';

/** One text of an A/B split and the share of the audience (whole percent) that gets it. */
export interface Variant {
  text: string;
  percent: number;
}

export const MIN_VARIANTS = 2;
export const MAX_VARIANTS = 4;
export const VARIANT_LABELS = ['A', 'B', 'C', 'D'] as const;

/** The stored variants of a campaign (null: one text). */
export function parseVariants(json: string | null): Variant[] | null {
  return json === null ? null : (JSON.parse(json) as Variant[]);
}

/** Refuses a split that is not 2–4 texts with whole percents of 1–99 adding up to 100. */
export function checkVariants(variants: Variant[], path: string): void {
  const errors: FieldError[] = [];
  if (variants.length < MIN_VARIANTS || variants.length > MAX_VARIANTS)
    errors.push({ path, message: `give ${MIN_VARIANTS} to ${MAX_VARIANTS} variants` });
  variants.forEach((v, i) => {
    if (!Number.isInteger(v.percent) || v.percent < 1 || v.percent > 99)
      errors.push({ path: `${path}/${i}/percent`, message: 'a whole number from 1 to 99' });
  });
  const sum = variants.reduce((n, v) => n + v.percent, 0);
  if (errors.length === 0 && sum !== 100)
    errors.push({ path, message: `the percents add up to ${sum}, not 100` });
  if (errors.length > 0)
    throw new AppError(
      'validation_failed',
      errors.length === 1
        ? `${errors[0]!.path} ${errors[0]!.message}.`
        : 'The variants are not valid; see errors.',
      { errors },
    );
}

/**
 * Picks each recipient's variant from a hash of the campaign id and the number, so the same recipient
 * gets the same variant however often the fan-out runs a batch again (a crash, a restart), and the
 * preview counts exactly what the fan-out will write. The hash's first 32 bits spread evenly over
 * 10,000 buckets; variant i takes its percent × 100 of them.
 */
export function variantPicker(campaignId: string, variants: Variant[] | null): (phone: string) => number {
  if (!variants) return () => 0;
  const bounds: number[] = [];
  let upTo = 0;
  for (const v of variants) {
    upTo += v.percent * 100;
    bounds.push(upTo);
  }
  return (phone) => {
    const bucket = createHash('sha256').update(`${campaignId}:${phone}`).digest().readUInt32BE(0) % 10_000;
    const index = bounds.findIndex((b) => bucket < b);
    return index === -1 ? bounds.length - 1 : index;
  };
}
