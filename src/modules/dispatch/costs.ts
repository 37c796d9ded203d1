import { z } from 'zod';
import { AppError } from '../../kernel/errors';
import { creditsToMicro, microToCredits } from '../billing';
import { COUNTRIES } from '../phone';

/**
 * A route's carrier costs, in micro-credits per segment: by number prefix (the longest that matches wins),
 * else by country (ISO alpha-2), else the route's default; null when none applies (cost unknown).
 */
export interface CostTable {
  default: number | null;
  countries: Record<string, number>;
  prefixes: Record<string, number>;
}

export const EMPTY_COSTS: CostTable = Object.freeze({ default: null, countries: {}, prefixes: {} });

const KNOWN_COUNTRIES = new Set(COUNTRIES.map((c) => c.code));
/** Most entries (countries and prefixes) one route's cost table holds. */
export const MAX_COST_ENTRIES = 20_000;

const creditsCost = z
  .number()
  .min(0, 'A cost cannot be negative')
  .max(100, 'A cost cannot exceed 100 credits per segment');
const countryKey = z
  .string()
  .regex(/^[A-Z]{2}$/)
  .refine((key) => KNOWN_COUNTRIES.has(key));
const prefixKey = z.string().regex(/^\+\d{1,14}$/);

/** A route's costs as the API takes them: CREDITS per segment (rounded to whole micro-credits). */
export const costTableInputSchema = z
  .strictObject({
    default: creditsCost.nullable().default(null),
    countries: z
      .record(countryKey, creditsCost, {
        error: (issue) =>
          issue.code === 'invalid_key'
            ? `${JSON.stringify(issue.input)} is not an upper-case ISO 3166 alpha-2 country code known to the platform`
            : undefined,
      })
      .default({}),
    prefixes: z
      .record(prefixKey, creditsCost, {
        error: (issue) =>
          issue.code === 'invalid_key'
            ? `${JSON.stringify(issue.input)} is not a prefix: + followed by 1 to 14 digits`
            : undefined,
      })
      .default({}),
  })
  .refine((t) => Object.keys(t.countries).length + Object.keys(t.prefixes).length <= MAX_COST_ENTRIES, {
    message: `A route has at most ${MAX_COST_ENTRIES} country and prefix costs`,
  });

export type CostTableInput = z.output<typeof costTableInputSchema>;

export function costTableFromCredits(input: CostTableInput): CostTable {
  const micro = (r: Record<string, number>) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, creditsToMicro(v)]));
  return {
    default: input.default === null ? null : creditsToMicro(input.default),
    countries: micro(input.countries),
    prefixes: micro(input.prefixes),
  };
}

/** The table in credits for the API, keys sorted. */
export function costTableToCredits(t: CostTable) {
  const credits = (r: Record<string, number>) =>
    Object.fromEntries(
      Object.keys(r)
        .sort()
        .map((k) => [k, microToCredits(r[k]!)]),
    );
  return {
    currency: 'credits' as const,
    default: t.default === null ? null : microToCredits(t.default),
    countries: credits(t.countries),
    prefixes: credits(t.prefixes),
  };
}

/** A cost table compiled for lookups on the hot path: prefixes longest first. */
export interface CostLookup {
  table: CostTable;
  prefixes: Array<[prefix: string, cost: number]>;
}

export function compileCosts(table: CostTable): CostLookup {
  const prefixes = Object.entries(table.prefixes).sort((a, b) => b[0].length - a[0].length);
  return { table, prefixes };
}

/** Cost of one segment to `to` (E.164) in `country` through a route with these costs; null when unknown. */
export function costPerSegment(
  lookup: CostLookup | undefined,
  to: string,
  country: string | null,
): number | null {
  if (!lookup) return null;
  for (const [prefix, cost] of lookup.prefixes) if (to.startsWith(prefix)) return cost;
  if (country !== null && Object.hasOwn(lookup.table.countries, country))
    return lookup.table.countries[country]!;
  return lookup.table.default;
}

// CSV: a header `country,prefix,cost`, then one cost per line; `*` as country is the route's default.
const CSV_HEADER = ['country', 'prefix', 'cost'];
/** Largest CSV of costs taken (bytes). */
export const MAX_COST_CSV_BYTES = 1_000_000;
const MAX_LINE_CHARS = 200;

function lineError(line: number, message: string): { path: string; message: string } {
  return { path: `/body/line/${line}`, message: `line ${line}: ${message}` };
}

/**
 * Reads a CSV of costs (credits per segment). Bounded: at most MAX_COST_CSV_BYTES, MAX_COST_ENTRIES rows,
 * three columns and MAX_LINE_CHARS per line; every bad line is reported with its number (the first 50), and
 * nothing is taken unless the whole file is good.
 */
export function parseCostsCsv(text: string): CostTable {
  if (Buffer.byteLength(text, 'utf8') > MAX_COST_CSV_BYTES)
    throw new AppError('payload_too_large', `A cost file holds at most ${MAX_COST_CSV_BYTES} bytes.`);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const errors: Array<{ path: string; message: string }> = [];
  const header = (lines[0] ?? '').split(',').map((c) => c.trim().toLowerCase());
  if (header.join(',') !== CSV_HEADER.join(','))
    throw new AppError('validation_failed', 'The first line must be the header country,prefix,cost.', {
      errors: [
        lineError(1, `expected the header "country,prefix,cost", found "${(lines[0] ?? '').slice(0, 60)}"`),
      ],
    });
  if (lines.length - 1 > MAX_COST_ENTRIES + 1)
    throw new AppError('validation_failed', `A cost file holds at most ${MAX_COST_ENTRIES} rows.`, {
      errors: [lineError(MAX_COST_ENTRIES + 3, `more than ${MAX_COST_ENTRIES} rows`)],
    });
  const table: CostTable = { default: null, countries: {}, prefixes: {} };
  for (let i = 1; i < lines.length && errors.length < 50; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    if (raw.length > MAX_LINE_CHARS) {
      errors.push(lineError(lineNo, `longer than ${MAX_LINE_CHARS} characters`));
      continue;
    }
    const cells = raw.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    if (cells.length !== 3) {
      errors.push(lineError(lineNo, `expected 3 columns (country,prefix,cost), found ${cells.length}`));
      continue;
    }
    const [country, prefix, costText] = cells as [string, string, string];
    const credits = /^\d{1,3}(\.\d{1,6})?$/.test(costText) ? Number(costText) : Number.NaN;
    if (!Number.isFinite(credits) || credits > 100) {
      errors.push(
        lineError(lineNo, `cost "${costText.slice(0, 20)}" is not a number of credits from 0 to 100`),
      );
      continue;
    }
    const cost = creditsToMicro(credits);
    if (prefix !== '') {
      if (!prefixKey.safeParse(prefix).success) {
        errors.push(lineError(lineNo, `prefix "${prefix.slice(0, 20)}" is not + followed by 1 to 14 digits`));
        continue;
      }
      if (Object.hasOwn(table.prefixes, prefix))
        errors.push(lineError(lineNo, `prefix ${prefix} is listed twice`));
      else table.prefixes[prefix] = cost;
    } else if (country === '*') {
      if (table.default !== null) errors.push(lineError(lineNo, 'the default (*) is listed twice'));
      else table.default = cost;
    } else if (countryKey.safeParse(country).success) {
      if (Object.hasOwn(table.countries, country))
        errors.push(lineError(lineNo, `country ${country} is listed twice`));
      else table.countries[country] = cost;
    } else {
      errors.push(
        lineError(
          lineNo,
          `country "${country.slice(0, 20)}" is not an ISO 3166 alpha-2 code (or * for the default)`,
        ),
      );
    }
  }
  if (errors.length > 0)
    throw new AppError('validation_failed', `The cost file has ${errors.length} bad line(s).`, { errors });
  return table;
}

/** The costs as CSV (header `country,prefix,cost`; `*` is the default), in credits per segment. */
export function costsToCsv(t: CostTable): string {
  const lines = ['country,prefix,cost'];
  if (t.default !== null) lines.push(`*,,${microToCredits(t.default)}`);
  for (const c of Object.keys(t.countries).sort()) lines.push(`${c},,${microToCredits(t.countries[c]!)}`);
  for (const p of Object.keys(t.prefixes).sort()) lines.push(`,${p},${microToCredits(t.prefixes[p]!)}`);
  return `${lines.join('\r\n')}\r\n`;
}
