import { type CountryCode, getCountries } from 'libphonenumber-js';
import { z } from 'zod';
import { creditsToMicro, microToCredits } from './money';

/** Price of one SMS segment in integer micro-credits: per country (ISO alpha-2), else `default`. */
export interface PriceList {
  default: number;
  countries: Record<string, number>;
}

/** Every country the phone-number library knows, i.e. every country a recipient can be normalised to. */
export const PRICE_COUNTRIES: readonly CountryCode[] = Object.freeze(getCountries());

const KNOWN_COUNTRIES = new Set<string>(PRICE_COUNTRIES);

export type PriceRegion =
  | 'eu_eea'
  | 'north_america'
  | 'rest_of_europe'
  | 'latin_america_caribbean'
  | 'asia_pacific'
  | 'middle_east'
  | 'africa';

/**
 * The rule behind {@link DEFAULT_PRICES}: each country belongs to exactly one region (a test checks that the
 * regions partition `getCountries()`), and a country costs its region's price per segment, in credits.
 * Territories are priced with the network they are served by rather than by geography: the US territories on
 * the NANP (PR, VI, GU, AS, MP) as North America, the French overseas departments and Saint-Martin, Åland and
 * Svalbard as EU/EEA, the Crown dependencies, Gibraltar, the Faroes and Greenland as rest of Europe, the
 * Caucasus and Turkey as rest of Europe, Ascension, St Helena and Tristan da Cunha as Africa.
 */
export const PRICE_REGIONS = {
  eu_eea: {
    credits: 0.05,
    countries: [
      ...['AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IT'],
      ...['LT', 'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK', 'IS', 'LI', 'NO'],
      ...['AX', 'SJ', 'GF', 'GP', 'MQ', 'RE', 'YT', 'MF'],
    ],
  },
  north_america: {
    credits: 0.02,
    countries: ['US', 'CA', 'PR', 'VI', 'GU', 'AS', 'MP', 'PM'],
  },
  rest_of_europe: {
    credits: 0.06,
    countries: [
      ...['GB', 'GG', 'IM', 'JE', 'GI', 'CH', 'AD', 'MC', 'SM', 'VA', 'FO', 'GL'],
      ...['AL', 'BA', 'ME', 'MK', 'RS', 'XK', 'MD', 'UA', 'BY', 'RU', 'TR', 'GE', 'AM', 'AZ'],
    ],
  },
  latin_america_caribbean: {
    credits: 0.05,
    countries: [
      ...['AR', 'BO', 'BR', 'CL', 'CO', 'EC', 'FK', 'GY', 'PE', 'PY', 'SR', 'UY', 'VE'],
      ...['BZ', 'CR', 'GT', 'HN', 'MX', 'NI', 'PA', 'SV'],
      ...['AG', 'AI', 'AW', 'BB', 'BL', 'BM', 'BQ', 'BS', 'CU', 'CW', 'DM', 'DO', 'GD', 'HT', 'JM', 'KN'],
      ...['KY', 'LC', 'MS', 'SX', 'TC', 'TT', 'VC', 'VG'],
    ],
  },
  asia_pacific: {
    credits: 0.04,
    countries: [
      ...['CN', 'HK', 'MO', 'TW', 'JP', 'KR', 'KP', 'MN'],
      ...['BN', 'ID', 'KH', 'LA', 'MM', 'MY', 'PH', 'SG', 'TH', 'TL', 'VN'],
      ...['AF', 'BD', 'BT', 'IN', 'IO', 'LK', 'MV', 'NP', 'PK'],
      ...['KG', 'KZ', 'TJ', 'TM', 'UZ'],
      ...['AU', 'CC', 'CX', 'NF', 'NZ', 'CK', 'NU', 'TK'],
      ...['FJ', 'FM', 'KI', 'MH', 'NC', 'NR', 'PF', 'PG', 'PW', 'SB', 'TO', 'TV', 'VU', 'WF', 'WS'],
    ],
  },
  middle_east: {
    credits: 0.07,
    countries: ['AE', 'BH', 'IL', 'IQ', 'IR', 'JO', 'KW', 'LB', 'OM', 'PS', 'QA', 'SA', 'SY', 'YE'],
  },
  africa: {
    credits: 0.06,
    countries: [
      ...['DZ', 'EG', 'EH', 'LY', 'MA', 'SD', 'TN'],
      ...['BF', 'BJ', 'CI', 'CV', 'GH', 'GM', 'GN', 'GW', 'LR', 'ML', 'MR', 'NE', 'NG', 'SL', 'SN', 'TG'],
      ...['AO', 'CD', 'CF', 'CG', 'CM', 'GA', 'GQ', 'ST', 'TD'],
      ...['BI', 'DJ', 'ER', 'ET', 'KE', 'KM', 'MG', 'MU', 'MW', 'MZ', 'RW', 'SC', 'SO', 'SS', 'TZ', 'UG'],
      ...['ZM', 'ZW', 'BW', 'LS', 'NA', 'SZ', 'ZA', 'AC', 'SH', 'TA'],
    ],
  },
} as const satisfies Record<PriceRegion, { credits: number; countries: readonly CountryCode[] }>;

/**
 * Countries whose termination cost is far from their region's: expensive in DE, FR, BE, IT, RU, ID, AE, EG,
 * NG; cheap in GB, IN, CN, BR, MX. In credits per segment.
 */
export const PRICE_OVERRIDES: Readonly<Partial<Record<CountryCode, number>>> = Object.freeze({
  DE: 0.08,
  FR: 0.07,
  BE: 0.09,
  IT: 0.07,
  GB: 0.035,
  RU: 0.12,
  IN: 0.02,
  CN: 0.03,
  ID: 0.12,
  AE: 0.1,
  EG: 0.1,
  NG: 0.09,
  BR: 0.03,
  MX: 0.03,
});

/** Price of a country missing from a list (e.g. one a newer libphonenumber adds), in credits per segment. */
export const DEFAULT_PRICE_CREDITS = 0.08;

/** The region of a country under {@link PRICE_REGIONS}, or `null` when it is in none. */
export function regionOf(country: string): PriceRegion | null {
  for (const [region, { countries }] of Object.entries(PRICE_REGIONS)) {
    if ((countries as readonly string[]).includes(country)) return region as PriceRegion;
  }
  return null;
}

function buildDefaultPrices(): PriceList {
  const countries: Record<string, number> = {};
  for (const country of PRICE_COUNTRIES) {
    const region = regionOf(country);
    const credits =
      PRICE_OVERRIDES[country] ?? (region === null ? DEFAULT_PRICE_CREDITS : PRICE_REGIONS[region].credits);
    countries[country] = creditsToMicro(credits);
  }
  return Object.freeze({
    default: creditsToMicro(DEFAULT_PRICE_CREDITS),
    countries: Object.freeze(countries),
  });
}

/** The platform's price list, in micro-credits per segment, with an entry for every country in `getCountries()`. */
export const DEFAULT_PRICES: PriceList = buildDefaultPrices();

/** Price of one segment to `country` (ISO alpha-2) in micro-credits; `list.default` for unlisted or unknown. */
export function priceFor(list: PriceList, country: string | null | undefined): number {
  if (!country) return list.default;
  const key = country.toUpperCase();
  return Object.hasOwn(list.countries, key) ? list.countries[key]! : list.default;
}

/** One line of a price list as clients read it: what one SMS part to a country costs, in credits. */
export interface CountryPrice {
  country: string;
  name: string;
  creditsPerPart: number;
}

/**
 * The price of one part to each of `countries` (in their order) under `list`: the country's own price, or the
 * list's default for a country it does not name.
 */
export function countryPrices(
  list: PriceList,
  countries: ReadonlyArray<{ code: string; name: string }>,
): CountryPrice[] {
  return countries.map((c) => ({
    country: c.code,
    name: c.name,
    creditsPerPart: microToCredits(priceFor(list, c.code)),
  }));
}

const creditsPrice = z
  .number()
  .min(0, 'A price cannot be negative')
  .max(100, 'A price cannot exceed 100 credits per segment');

const countryKey = z
  .string()
  .regex(/^[A-Z]{2}$/)
  .refine((key) => KNOWN_COUNTRIES.has(key));

/**
 * The operator's price list as sent to the API, in CREDITS per segment (decimals such as 0.035 are fine; they
 * are rounded to whole micro-credits). Country keys are upper-case ISO 3166 alpha-2 codes known to
 * libphonenumber; any other key, or any other top-level property, is a validation error.
 */
export const priceListInputSchema = z
  .object({
    default: creditsPrice,
    countries: z
      .record(countryKey, creditsPrice, {
        error: (issue) =>
          issue.code === 'invalid_key'
            ? `${JSON.stringify(issue.input)} is not an upper-case ISO 3166 alpha-2 country code known to the platform`
            : undefined,
      })
      .default({}),
  })
  .strict();

export type PriceListInput = z.input<typeof priceListInputSchema>;

/** A price list in credits per segment (the API's representation). */
export type PriceListCredits = z.output<typeof priceListInputSchema>;

/** Converts a validated price list in credits to integer micro-credits (rounding to the nearest micro-credit). */
export function priceListFromCredits(input: {
  default: number;
  countries?: Record<string, number>;
}): PriceList {
  const countries: Record<string, number> = {};
  for (const [country, credits] of Object.entries(input.countries ?? {})) {
    countries[country] = creditsToMicro(credits);
  }
  return { default: creditsToMicro(input.default), countries };
}

/** Converts a price list in micro-credits to credits for the API; countries are listed alphabetically. */
export function priceListToCredits(list: PriceList): PriceListCredits {
  const countries: Record<string, number> = {};
  for (const country of Object.keys(list.countries).sort()) {
    countries[country] = microToCredits(list.countries[country]!);
  }
  return { default: microToCredits(list.default), countries };
}
