import fc from 'fast-check';

/** The part of JSON Schema (as @fastify/swagger writes it from the zod schemas) the fuzzer reads. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  format?: string;
  default?: unknown;
}

/** Strings an attacker tries first: control characters, direction overrides, NULs, huge, injections. */
export const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0001<x>\u202E\r\n',
  '\ud800',
  '\udfff\ud800',
  '\uFEFF',
  '\u200b',
  '💥🇱🇻👩‍👩‍👧',
  'x'.repeat(70_000),
  '€'.repeat(20_000),
  '../../../etc/passwd',
  '..%2f..%2f',
  "' OR 1=1 --",
  '"; DROP TABLE contacts; --',
  '<script>alert(1)</script>',
  '{{first_name}}{{',
  '#{7*7}',
  '%00',
  '%ZZ',
  'null',
  'true',
  '-1',
  '0',
  '1e309',
  'NaN',
  'Infinity',
  '9007199254740993',
  '2026-02-30T25:61:61Z',
  '9999-12-31T23:59:59.999Z',
  '0000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '+00000000000000000000000000000000',
  '+371 2000 0000',
  'Europe/Riga\u0000',
  'http://127.0.0.1:9/x',
  'javascript:alert(1)',
  'acc_\u0000',
  'a@b',
];

/** Numbers at the edges: what databases and Number disagree on. */
export const HOSTILE_NUMBERS = [
  0,
  -0,
  -1,
  1.5,
  -1.5,
  0.1,
  2 ** 31,
  2 ** 31 - 1,
  -(2 ** 31) - 1,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 63,
  -(2 ** 63),
  1e21,
  1e300,
  -1e300,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  5e-324,
];

export const hostileString = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  );

export const hostileNumber = (): fc.Arbitrary<number> =>
  fc.oneof(
    fc.constantFrom(...HOSTILE_NUMBERS),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
  );

/** Nested arrays and objects `depth` levels deep. */
export function deepNest(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? { a: v } : [v];
  return v;
}

/** Any JSON value, with the hostile strings and numbers mixed in. */
export const hostileValue = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: hostileString() },
    { weight: 3, arbitrary: hostileNumber() },
    { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
    { weight: 1, arbitrary: fc.constantFrom(deepNest(64), deepNest(2000), { __proto__: { admin: true } }) },
    { weight: 1, arbitrary: fc.array(hostileString(), { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constant(Array.from({ length: 5000 }, (_, i) => `id_${i}`)) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );

function typesOf(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  return schema.type ? [schema.type] : [];
}

/**
 * What the fuzzer knows of the tenant it acts as: ids it owns (and some it does not), so that fields
 * naming things by id reach the handlers instead of stopping at 404.
 */
export interface Hints {
  ids: string[];
}

/** Plausible values for a string field, by its name: what gets a request past the first checks. */
function byName(name: string, hints: Hints): fc.Arbitrary<string> | null {
  if (/ids?$/i.test(name) && hints.ids.length > 0) return fc.constantFrom(...hints.ids);
  if (/phone|^to$|number|msisdn/i.test(name))
    return fc.constantFrom(
      '+37120000000',
      '+447700900123',
      '+37121234567',
      '0037120000001',
      '+1 (202) 555-0142',
    );
  if (/url/i.test(name))
    return fc.constantFrom('http://127.0.0.1:9/hook', 'https://example.com/x', 'ftp://x');
  if (/zone/i.test(name)) return fc.constantFrom('Europe/Riga', 'UTC', 'America/New_York', 'Mars/Olympus');
  if (/^from$|sender/i.test(name)) return fc.constantFrom('ACME', '37120000000', 'Shop24', 'TooLongSender1');
  if (/text|message|body|footer/i.test(name))
    return fc.constantFrom(
      'Hello {{first_name}}',
      'Reply STOP to 1234',
      '€'.repeat(200),
      'x'.repeat(1600),
      'Hi',
    );
  return null;
}

/** A string that fits the schema's length and format, as the server would expect it. */
function validString(schema: JsonSchema, name: string, hints: Hints): fc.Arbitrary<string> {
  const named = schema.format ? null : byName(name, hints);
  if (named)
    return fc.oneof(
      { weight: 3, arbitrary: named },
      { weight: 1, arbitrary: validString(schema, '', hints) },
    );
  const min = schema.minLength ?? 0;
  const max = Math.min(schema.maxLength ?? 40, Math.max(min, 40));
  switch (schema.format) {
    case 'email':
      return fc.emailAddress();
    case 'date-time':
      return fc.oneof(
        {
          weight: 3,
          arbitrary: fc
            .date({
              min: new Date('1990-01-01T00:00:00Z'),
              max: new Date('2035-01-01T00:00:00Z'),
              noInvalidDate: true,
            })
            .map((d) => d.toISOString()),
        },
        // Valid by the schema, far from now: sums with them overflow what a clock or a column holds.
        {
          weight: 1,
          arbitrary: fc.constantFrom(
            '9999-12-31T23:59:59.999Z',
            '0001-01-01T00:00:00Z',
            '1970-01-01T00:00:00Z',
            '2038-01-19T03:14:08Z',
            '2000-02-29T00:00:00+14:00',
          ),
        },
      );
    case 'uri':
    case 'url':
      return fc.webUrl();
    default:
      return fc.oneof(
        { weight: 3, arbitrary: fc.string({ minLength: min, maxLength: max }) },
        {
          weight: 1,
          arbitrary: fc.constantFrom('+37120000000', '+447700900123', 'Hello {{first_name}}', 'Europe/Riga'),
        },
      );
  }
}

/**
 * Values that mostly match the schema (so requests get past validation into the handlers), built from
 * the OpenAPI document that @fastify/swagger writes from the zod route schemas.
 */
export function validish(
  schema: JsonSchema | undefined,
  hints: Hints = { ids: [] },
  depth = 0,
  name = '',
): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return fc.jsonValue({ maxDepth: 2 });
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => validish(s, hints, depth + 1, name)));
  if (schema.allOf?.length) return validish(schema.allOf[0], hints, depth + 1, name);
  const types = typesOf(schema);
  if (types.length > 1)
    return fc.oneof(...types.map((type) => validish({ ...schema, type }, hints, depth + 1, name)));
  switch (types[0]) {
    case 'string':
      return validString(schema, name, hints);
    case 'integer': {
      const min =
        schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1000);
      const max =
        schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1000);
      return fc.integer({ min: Math.max(min, -(2 ** 31)), max: Math.min(max, 2 ** 31 - 1) });
    }
    case 'number': {
      const min = schema.minimum ?? schema.exclusiveMinimum ?? -1000;
      const max = schema.maximum ?? schema.exclusiveMaximum ?? 1000;
      return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(validish(schema.items, hints, depth + 1, name), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, Math.max(schema.minItems ?? 0, 4)),
      });
    case 'object': {
      const properties = schema.properties ?? {};
      const keys = Object.keys(properties);
      if (keys.length === 0)
        return fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 3 });
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const key of keys) record[key] = validish(properties[key], hints, depth + 1, key);
      return fc.record(record, { requiredKeys: (schema.required ?? []).filter((k) => k in properties) });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/**
 * A schema-shaped value with one thing wrong: a field of the wrong type or a hostile value, a required
 * field missing, an unknown field added, or the whole body swapped for something else.
 */
export function mutated(schema: JsonSchema | undefined, hints?: Hints): fc.Arbitrary<unknown> {
  const keys = Object.keys(schema?.properties ?? {});
  const base = validish(schema, hints);
  const variants: Array<fc.Arbitrary<unknown>> = [
    hostileValue(),
    base.chain((value) =>
      fc
        .record({ extra: hostileString(), v: hostileValue() })
        .map(({ extra, v }) =>
          value && typeof value === 'object' && !Array.isArray(value)
            ? { ...value, [extra || '_']: v }
            : value,
        ),
    ),
  ];
  if (keys.length > 0) {
    variants.push(
      fc
        .tuple(base, fc.constantFrom(...keys), hostileValue())
        .map(([value, key, v]) =>
          value && typeof value === 'object' && !Array.isArray(value) ? { ...value, [key]: v } : value,
        ),
      fc.tuple(base, fc.constantFrom(...keys)).map(([value, key]) => {
        if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
        const copy = { ...(value as Record<string, unknown>) };
        delete copy[key];
        return copy;
      }),
    );
  }
  return fc.oneof(...variants);
}

/** Bodies for one route: half valid-ish (to reach the handler), half broken in one way. */
export function bodyFor(schema: JsonSchema | undefined, hints?: Hints): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 1, arbitrary: validish(schema, hints) },
    { weight: 1, arbitrary: mutated(schema, hints) },
  );
}

/** Raw bodies that are not JSON, or JSON that the parser itself finds hard. */
export const MALFORMED_JSON = [
  '',
  '{',
  '{"a":',
  '[1,2',
  '}',
  'nul',
  'undefined',
  "{'a':1}",
  '{"a":1,}',
  '{"a":1}{"b":2}',
  '\uFEFF{}',
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  '1e400',
  '{"limit":1e400,"amount":-1e400}',
  '{"n":123456789012345678901234567890123456789}',
  '"just a string"',
  '[]',
  'null',
  'true',
  '0',
  '\u0000',
  `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`,
  `{"a":"${'x'.repeat(1_500_000)}"}`,
  `[${'1,'.repeat(300_000)}1]`,
];
