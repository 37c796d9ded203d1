import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/storage';
import { startTestSystem, type TestSystem } from '../helpers/system';

describe.each(DIALECTS)('validation messages over HTTP (%s)', (dialect) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
  });
  afterAll(() => ts.close());

  it('a sign-up with several bad fields answers every field at once, each named, in plain words', async () => {
    const r = await ts.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: { company: '   ', email: 'not-an-address', password: '', acceptPolicy: 'yes', extra: 1 },
    });
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toContain('application/problem+json');
    const problem = r.json() as {
      code: string;
      detail: string;
      errors: Array<{ path: string; message: string }>;
    };
    expect(problem.code).toBe('validation_failed');
    expect(problem.errors).toEqual([
      { path: '/body/company', message: 'company: must not be empty.' },
      { path: '/body/name', message: 'name: required — enter a value.' },
      { path: '/body/email', message: 'email: enter an e-mail address like name@example.com.' },
      { path: '/body/password', message: 'password: must not be empty.' },
      { path: '/body/acceptPolicy', message: 'acceptPolicy: must be true or false, not text.' },
      { path: '/body/', message: 'Unknown field "extra": remove it.' },
    ]);
    expect(problem.detail).toMatch(/^Please correct 6 fields: company: must not be empty\. name: required/);
    for (const e of problem.errors) expect(problem.detail).toContain(e.message);
  });

  it('a body that is not an object says what it is instead', async () => {
    const body = await ts.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: '[1]',
      headers: { 'content-type': 'application/json' },
    });
    expect(body.statusCode).toBe(400);
    expect(body.json().errors).toEqual([
      { path: '/body/', message: 'The body must be a JSON object, not a list.' },
    ]);
  });
});
