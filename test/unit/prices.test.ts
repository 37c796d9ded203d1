import { getCountries } from 'libphonenumber-js';
import { describe, expect, it } from 'vitest';
import { MICRO } from '../../src/modules/billing/money';
import {
  DEFAULT_PRICE_CREDITS,
  DEFAULT_PRICES,
  PRICE_COUNTRIES,
  PRICE_OVERRIDES,
  PRICE_REGIONS,
  type PriceList,
  priceFor,
  priceListFromCredits,
  priceListInputSchema,
  priceListToCredits,
  regionOf,
} from '../../src/modules/billing/prices';
import { normalizePhone } from '../../src/modules/phone';

const MIN_MICRO = 20_000;
const MAX_MICRO = 120_000;

describe('DEFAULT_PRICES', () => {
  it('has a price for every country libphonenumber knows', () => {
    const countries = getCountries();
    expect(countries.length).toBeGreaterThan(240);
    expect(PRICE_COUNTRIES).toEqual(countries);
    const missing = countries.filter((country) => !Object.hasOwn(DEFAULT_PRICES.countries, country));
    expect(missing).toEqual([]);
    expect(Object.keys(DEFAULT_PRICES.countries).sort()).toEqual([...countries].sort());
  });

  it('puts every country in exactly one region, and nothing else', () => {
    const known = new Set<string>(getCountries());
    const seen = new Map<string, string>();
    const problems: string[] = [];
    for (const [region, { countries }] of Object.entries(PRICE_REGIONS)) {
      for (const country of countries) {
        if (!known.has(country)) problems.push(`${country} in ${region} is unknown`);
        const other = seen.get(country);
        if (other) problems.push(`${country} is in ${other} and ${region}`);
        seen.set(country, region);
      }
    }
    for (const country of known) if (!seen.has(country)) problems.push(`${country} has no region`);
    expect(problems).toEqual([]);
  });

  it('prices in integer micro-credits between 0.02 and 0.12 credits per segment', () => {
    const prices = [DEFAULT_PRICES.default, ...Object.values(DEFAULT_PRICES.countries)];
    for (const price of prices) {
      expect(Number.isInteger(price)).toBe(true);
      expect(price).toBeGreaterThanOrEqual(MIN_MICRO);
      expect(price).toBeLessThanOrEqual(MAX_MICRO);
    }
    expect(DEFAULT_PRICES.default).toBe(DEFAULT_PRICE_CREDITS * MICRO);
  });

  it('follows the rule: the override, else the region price', () => {
    for (const [country, price] of Object.entries(DEFAULT_PRICES.countries)) {
      const override = PRICE_OVERRIDES[country as keyof typeof PRICE_OVERRIDES];
      const region = regionOf(country);
      expect(region).not.toBeNull();
      const credits = override ?? PRICE_REGIONS[region!].credits;
      expect(price, country).toBe(Math.round(credits * MICRO));
    }
  });

  it.each([
    ['LV', 50_000],
    ['EE', 50_000],
    ['DE', 80_000],
    ['FR', 70_000],
    ['GB', 35_000],
    ['US', 20_000],
    ['CA', 20_000],
    ['PR', 20_000],
    ['CH', 60_000],
    ['UA', 60_000],
    ['RU', 120_000],
    ['BR', 30_000],
    ['AR', 50_000],
    ['JM', 50_000],
    ['IN', 20_000],
    ['JP', 40_000],
    ['AU', 40_000],
    ['ID', 120_000],
    ['AE', 100_000],
    ['IL', 70_000],
    ['NG', 90_000],
    ['KE', 60_000],
    ['ZA', 60_000],
  ])('%s costs %i micro-credits', (country, micro) => {
    expect(DEFAULT_PRICES.countries[country]).toBe(micro);
    expect(priceFor(DEFAULT_PRICES, country)).toBe(micro);
  });

  it('knows the region of a few countries', () => {
    expect(regionOf('LV')).toBe('eu_eea');
    expect(regionOf('NO')).toBe('eu_eea');
    expect(regionOf('US')).toBe('north_america');
    expect(regionOf('GB')).toBe('rest_of_europe');
    expect(regionOf('MX')).toBe('latin_america_caribbean');
    expect(regionOf('SG')).toBe('asia_pacific');
    expect(regionOf('SA')).toBe('middle_east');
    expect(regionOf('EG')).toBe('africa');
    expect(regionOf('XX')).toBeNull();
  });

  it('is frozen', () => {
    expect(Object.isFrozen(DEFAULT_PRICES)).toBe(true);
    expect(Object.isFrozen(DEFAULT_PRICES.countries)).toBe(true);
  });

  it('prices every country a normalised number can have', () => {
    for (const input of ['+37121234567', '+447624123456', '+16847331234', '+262692123456', '+299221234']) {
      const { country } = normalizePhone(input);
      expect(Object.hasOwn(DEFAULT_PRICES.countries, country), country).toBe(true);
    }
  });
});

describe('priceFor', () => {
  const list: PriceList = { default: 99_000, countries: { LV: 35_000, DE: 0 } };

  it('returns the country price', () => {
    expect(priceFor(list, 'LV')).toBe(35_000);
  });

  it('returns a zero price as such, not the default', () => {
    expect(priceFor(list, 'DE')).toBe(0);
  });

  it('is case-insensitive on the country', () => {
    expect(priceFor(list, 'lv')).toBe(35_000);
  });

  it('falls back to the default for unlisted, unknown or missing countries', () => {
    expect(priceFor(list, 'EE')).toBe(99_000);
    expect(priceFor(list, 'XX')).toBe(99_000);
    expect(priceFor(list, null)).toBe(99_000);
    expect(priceFor(list, undefined)).toBe(99_000);
    expect(priceFor(list, '')).toBe(99_000);
  });

  it('does not read inherited properties', () => {
    expect(priceFor(list, 'constructor')).toBe(99_000);
    expect(priceFor(list, '__proto__')).toBe(99_000);
    expect(priceFor(list, 'toString')).toBe(99_000);
  });
});

describe('priceListInputSchema', () => {
  it('accepts prices in credits, including decimals and zero', () => {
    const result = priceListInputSchema.safeParse({
      default: 0.08,
      countries: { LV: 0.035, US: 0, GB: 100 },
    });
    expect(result.success).toBe(true);
    expect(result.data).toEqual({ default: 0.08, countries: { LV: 0.035, US: 0, GB: 100 } });
  });

  it('defaults countries to none', () => {
    expect(priceListInputSchema.parse({ default: 0.05 })).toEqual({ default: 0.05, countries: {} });
  });

  it('accepts every country libphonenumber knows', () => {
    const countries = Object.fromEntries(getCountries().map((country) => [country, 0.05]));
    expect(priceListInputSchema.safeParse({ default: 0.05, countries }).success).toBe(true);
  });

  function issues(input: unknown) {
    const result = priceListInputSchema.safeParse(input);
    expect(result.success).toBe(false);
    return result.error!.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  }

  it.each(['XX', 'ZZ', 'EU', 'UK', 'lv', 'Lv', 'LVA', 'L', '', '12', 'constructor'])(
    'rejects the country key %j',
    (key) => {
      expect(issues({ default: 0.05, countries: { [key]: 0.05 } })).toEqual([
        {
          path: `countries.${key}`,
          message: `${JSON.stringify(key)} is not an upper-case ISO 3166 alpha-2 country code known to the platform`,
        },
      ]);
    },
  );

  it('reports every unknown key', () => {
    const found = issues({ default: 0.05, countries: { XX: 0.05, LV: 0.05, YY: 0.05 } });
    expect(found.map((issue) => issue.path)).toEqual(['countries.XX', 'countries.YY']);
  });

  it('rejects negative prices', () => {
    expect(issues({ default: -0.01 })).toEqual([{ path: 'default', message: 'A price cannot be negative' }]);
    expect(issues({ default: 0.05, countries: { LV: -1 } })).toEqual([
      { path: 'countries.LV', message: 'A price cannot be negative' },
    ]);
  });

  it('rejects prices above 100 credits', () => {
    expect(issues({ default: 100.01 })).toEqual([
      { path: 'default', message: 'A price cannot exceed 100 credits per segment' },
    ]);
    expect(issues({ default: 1, countries: { DE: 1e9 } })[0]!.path).toBe('countries.DE');
  });

  it.each([
    ['a string', '0.05'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['null', null],
    ['an object', { credits: 1 }],
  ])('rejects %s as a price', (_label, value) => {
    expect(issues({ default: value })[0]!.path).toBe('default');
    expect(issues({ default: 0.05, countries: { LV: value } })[0]!.path).toBe('countries.LV');
  });

  it('requires the default price', () => {
    expect(issues({ countries: { LV: 0.05 } })[0]!.path).toBe('default');
  });

  it('rejects unknown top-level properties', () => {
    expect(issues({ default: 0.05, currency: 'EUR' })[0]!.message).toMatch(/currency/);
  });

  it('rejects a non-object countries', () => {
    expect(issues({ default: 0.05, countries: [0.05] })[0]!.path).toBe('countries');
    expect(issues({ default: 0.05, countries: 'LV=0.05' })[0]!.path).toBe('countries');
  });

  it('drops a __proto__ key from JSON rather than polluting the object', () => {
    const parsed = priceListInputSchema.parse(
      JSON.parse('{"default":0.05,"countries":{"__proto__":1,"LV":0.04}}'),
    );
    expect(Object.keys(parsed.countries)).toEqual(['LV']);
    expect(Object.getPrototypeOf(parsed.countries)).toBe(Object.prototype);
  });
});

describe('priceListFromCredits / priceListToCredits', () => {
  it('converts credits to integer micro-credits', () => {
    expect(
      priceListFromCredits({ default: 0.08, countries: { LV: 0.035, US: 0.0201, GB: 0, DE: 100 } }),
    ).toEqual({
      default: 80_000,
      countries: { LV: 35_000, US: 20_100, GB: 0, DE: 100_000_000 },
    });
  });

  it('rounds to the nearest micro-credit', () => {
    const list = priceListFromCredits({ default: 0.0000004, countries: { LV: 0.0350006, EE: 0.1 + 0.2 } });
    expect(list).toEqual({ default: 0, countries: { LV: 35_001, EE: 300_000 } });
    for (const price of [list.default, ...Object.values(list.countries)])
      expect(Number.isInteger(price)).toBe(true);
  });

  it('accepts schema output without countries', () => {
    expect(priceListFromCredits({ default: 0.05 })).toEqual({ default: 50_000, countries: {} });
  });

  it('converts micro-credits to credits, countries in alphabetical order', () => {
    const credits = priceListToCredits({ default: 80_000, countries: { US: 20_000, LV: 35_000, DE: 1 } });
    expect(credits).toEqual({ default: 0.08, countries: { DE: 0.000001, LV: 0.035, US: 0.02 } });
    expect(Object.keys(credits.countries)).toEqual(['DE', 'LV', 'US']);
  });

  it('round-trips the default price list exactly', () => {
    const credits = priceListToCredits(DEFAULT_PRICES);
    expect(priceListInputSchema.safeParse(credits).success).toBe(true);
    expect(priceListFromCredits(credits)).toEqual(DEFAULT_PRICES);
  });

  it('round-trips operator input with up to six decimals exactly', () => {
    const input = priceListInputSchema.parse({
      default: 0.123456,
      countries: { LV: 0.035, DE: 0.000001, US: 0, GB: 99.999999, FR: 0.07 },
    });
    const credits = priceListToCredits(priceListFromCredits(input));
    expect(credits).toEqual(input);
  });

  it('round-trips arbitrary integer micro-credit lists', () => {
    const list: PriceList = { default: 0, countries: {} };
    for (let micro = 0; micro <= 100 * MICRO; micro += 7_777_777) list.countries[`A${micro}`] = micro;
    for (const [i, country] of getCountries().entries()) list.countries[country] = i * 1_234 + 1;
    expect(priceListFromCredits(priceListToCredits(list))).toEqual(list);
  });

  it('does not share objects between the input and the result', () => {
    const list: PriceList = { default: 1, countries: { LV: 2 } };
    const credits = priceListToCredits(list);
    credits.countries.LV = 5;
    expect(list.countries.LV).toBe(2);
  });
});
