import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validationErrors, validationSummary } from '../../src/http/problem';

/** The field errors a body gives against a schema, as the API answers them. */
function errorsOf(schema: z.ZodType, body: unknown) {
  const result = schema.safeParse(body);
  if (result.success) throw new Error('expected the body to be refused');
  return validationErrors(result.error.issues, 'body', body);
}

const signup = z.strictObject({
  company: z.string().trim().min(1).max(200),
  email: z.email().max(254),
  password: z.string().min(10).max(256),
  acceptPolicy: z.boolean(),
});

describe('validation messages name the field in a sentence a person reads', () => {
  it('too_small: an empty text must not be empty; a short one says how long it must be', () => {
    expect(
      errorsOf(signup, { company: '  ', email: 'a@b.co', password: 'short', acceptPolicy: true }),
    ).toEqual([
      { path: '/body/company', message: 'company: must not be empty.' },
      { path: '/body/password', message: 'password: must be at least 10 characters long.' },
    ]);
    expect(errorsOf(z.object({ limit: z.number().int().min(1) }), { limit: 0 })).toEqual([
      { path: '/body/limit', message: 'limit: must be at least 1.' },
    ]);
    expect(errorsOf(z.object({ to: z.array(z.string()).min(1) }), { to: [] })).toEqual([
      { path: '/body/to', message: 'to: must list at least 1 item.' },
    ]);
    expect(errorsOf(z.object({ rate: z.number().positive() }), { rate: 0 })).toEqual([
      { path: '/body/rate', message: 'rate: must be more than 0.' },
    ]);
  });

  it('too_big: says the most allowed', () => {
    expect(errorsOf(z.object({ name: z.string().max(3) }), { name: 'abcd' })).toEqual([
      { path: '/body/name', message: 'name: must be at most 3 characters long.' },
    ]);
    expect(errorsOf(z.object({ limit: z.number().max(500) }), { limit: 501 })).toEqual([
      { path: '/body/limit', message: 'limit: must be at most 500.' },
    ]);
    expect(errorsOf(z.object({ to: z.array(z.string()).max(2) }), { to: ['a', 'b', 'c'] })).toEqual([
      { path: '/body/to', message: 'to: must list at most 2 items.' },
    ]);
  });

  it('invalid_type: a missing field is required; a wrong type says what was expected and what came', () => {
    expect(errorsOf(signup, { email: 'a@b.co', password: 'long-enough-1' })).toEqual([
      { path: '/body/company', message: 'company: required — enter a value.' },
      { path: '/body/acceptPolicy', message: 'acceptPolicy: required — send true or false.' },
    ]);
    expect(errorsOf(z.object({ count: z.number() }), { count: '3' })).toEqual([
      { path: '/body/count', message: 'count: must be a number, not text.' },
    ]);
    expect(errorsOf(z.object({ tags: z.array(z.string()) }), { tags: [1] })).toEqual([
      { path: '/body/tags/0', message: 'tags[0]: must be text, not a number.' },
    ]);
    expect(errorsOf(z.object({ x: z.string() }), null)).toEqual([
      { path: '/body/', message: 'The body must be a JSON object, not null.' },
    ]);
  });

  it('invalid_format: e-mail and URL fields show an example; other formats name the format', () => {
    expect(
      errorsOf(signup, { company: 'A', email: 'nope', password: 'long-enough-1', acceptPolicy: true }),
    ).toEqual([{ path: '/body/email', message: 'email: enter an e-mail address like name@example.com.' }]);
    expect(errorsOf(z.object({ url: z.url() }), { url: 'not a url' })).toEqual([
      { path: '/body/url', message: 'url: enter a full web address like https://example.com/path.' },
    ]);
    expect(errorsOf(z.object({ at: z.iso.datetime() }), { at: 'tomorrow' })).toEqual([
      { path: '/body/at', message: 'at: enter a date and time like 2030-01-31T09:00:00Z.' },
    ]);
    expect(errorsOf(z.object({ code: z.string().regex(/^\d+$/) }), { code: 'x' })).toEqual([
      { path: '/body/code', message: 'code: is not in the expected format.' },
    ]);
  });

  it('a message the schema gives itself is kept, behind the field name', () => {
    const schema = z.object({
      country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 code in capitals'),
    });
    expect(errorsOf(schema, { country: 'lv' })).toEqual([
      { path: '/body/country', message: 'country: ISO 3166-1 alpha-2 code in capitals.' },
    ]);
  });

  it('unrecognized_keys: names the unknown fields', () => {
    expect(
      errorsOf(signup, {
        company: 'A',
        email: 'a@b.co',
        password: 'long-enough-1',
        acceptPolicy: true,
        admin: 1,
      }),
    ).toEqual([{ path: '/body/', message: 'Unknown field "admin": remove it.' }]);
    expect(errorsOf(z.strictObject({ a: z.strictObject({}) }), { a: { x: 1, y: 2 } })).toEqual([
      { path: '/body/a', message: 'a: unknown fields "x", "y": remove them.' },
    ]);
  });

  it('invalid_value: lists the choices, or the one value allowed', () => {
    expect(errorsOf(z.object({ role: z.enum(['owner', 'member']) }), { role: 'boss' })).toEqual([
      { path: '/body/role', message: 'role: must be one of owner, member.' },
    ]);
    expect(errorsOf(z.object({ ok: z.literal(true) }), { ok: false })).toEqual([
      { path: '/body/ok', message: 'ok: must be true.' },
    ]);
  });

  it('other kinds still name the field', () => {
    expect(errorsOf(z.object({ n: z.number().multipleOf(5) }), { n: 7 })).toEqual([
      { path: '/body/n', message: 'n: must be a multiple of 5.' },
    ]);
    expect(errorsOf(z.object({ v: z.union([z.string(), z.number()]) }), { v: true })).toEqual([
      { path: '/body/v', message: 'v: is not one of the accepted forms.' },
    ]);
  });

  it('query fields are named alike, and the detail lists every error at once', () => {
    const errors = validationErrors(
      z.strictObject({ limit: z.coerce.number().int().min(1) }).safeParse({ limit: '0' }).error!.issues,
      'querystring',
      { limit: '0' },
    );
    expect(errors).toEqual([{ path: '/querystring/limit', message: 'limit: must be at least 1.' }]);
    const all = errorsOf(signup, { company: '', email: 'x', acceptPolicy: true });
    expect(validationSummary(all)).toBe(
      'Please correct 3 fields: company: must not be empty. email: enter an e-mail address like name@example.com. password: required — enter a value.',
    );
    expect(validationSummary(errors)).toBe('limit: must be at least 1.');
  });
});
