import { AppError } from '../../kernel/errors';
import { MICRO } from '../billing';

/** What the operator sells credits for. */
export interface TopUpTerms {
  /** ISO 4217 codes clients may pay in; the first is the default. */
  currencies: string[];
  /** The smallest top-up, in minor units of the chosen currency. */
  minimumMinor: number;
  /** The price of one credit in minor units per currency (may be fractional: 0.5 = half a cent). */
  creditPriceMinor: Record<string, number>;
  /** Ready-made packages offered on the Billing page, by number of credits. */
  packages: { id: string; credits: number }[];
}

export const DEFAULT_TOP_UP_TERMS: TopUpTerms = {
  currencies: ['EUR'],
  minimumMinor: 500,
  creditPriceMinor: { EUR: 5 },
  packages: [
    { id: 'starter', credits: 200 },
    { id: 'business', credits: 1_000 },
    { id: 'volume', credits: 10_000 },
  ],
};

export type TopUpChoice =
  | { packageId: string; currency?: string }
  | { amountMinor: number; currency?: string };

/**
 * What a top-up costs and brings: a package is priced from its credits (rounded up to a whole minor
 * unit), a custom amount buys what it covers. Refuses amounts below the minimum and currencies the
 * operator does not take, with codes a form can show.
 */
export function priceTopUp(
  terms: TopUpTerms,
  choice: TopUpChoice,
): { amountMinor: number; currency: string; creditsMicro: number } {
  const currency = (choice.currency ?? terms.currencies[0] ?? 'EUR').toUpperCase();
  const price = terms.creditPriceMinor[currency];
  if (!terms.currencies.includes(currency) || price === undefined || !(price > 0)) {
    throw new AppError('currency_not_enabled', `Top-ups are not taken in ${currency}.`, {
      extra: { currencies: terms.currencies },
    });
  }
  let amountMinor: number;
  let creditsMicro: number;
  if ('packageId' in choice) {
    const pack = terms.packages.find((p) => p.id === choice.packageId);
    if (!pack) throw new AppError('not_found', 'No such credit package.');
    amountMinor = Math.ceil(pack.credits * price);
    creditsMicro = pack.credits * MICRO;
  } else {
    amountMinor = choice.amountMinor;
    if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
      throw new AppError('validation_failed', 'The amount must be a whole number of minor units.', {
        errors: [{ path: 'amountMinor', message: 'Expected a positive whole number.' }],
      });
    }
    creditsMicro = Math.floor((amountMinor * MICRO) / price);
  }
  if (amountMinor < terms.minimumMinor) {
    throw new AppError('amount_below_minimum', `The smallest top-up is ${terms.minimumMinor} minor units.`, {
      extra: { minimumMinor: terms.minimumMinor, currency },
    });
  }
  return { amountMinor, currency, creditsMicro };
}
