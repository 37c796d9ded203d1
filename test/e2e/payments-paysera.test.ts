import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakePaysera, startFakePaysera } from '../../dev/fake-payments/paysera';
import { encodePayseraData, signPayseraData } from '../../src/adapters/payments/paysera';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, startTestSystem, type TestSystem } from '../helpers/system';

const PASSWORD = 'paysera-project-password';

describe.each(DIALECTS)('buying credits through Paysera on %s', (dialect) => {
  let ts: TestSystem;
  let fake: FakePaysera;
  let owner: Session;
  let keyDir: string;

  beforeAll(async () => {
    fake = await startFakePaysera({ password: PASSWORD });
    keyDir = mkdtempSync(join(tmpdir(), 'paysera-key-'));
    writeFileSync(join(keyDir, 'public.pem'), fake.publicKeyPem);
    ts = await startTestSystem(dialect, {
      FREE_CREDITS: '0',
      PAYSERA_PROJECT_ID: '123456',
      PAYSERA_PASSWORD: PASSWORD,
      PAYSERA_PAY_URL: fake.payUrl,
      PAYSERA_PUBLIC_KEY_FILE: join(keyDir, 'public.pem'),
    });
    owner = await signup(ts.app);
  });
  afterAll(async () => {
    await ts?.close();
    await fake?.close();
    rmSync(keyDir, { recursive: true, force: true });
  });

  const topUp = (payload: Record<string, unknown>) =>
    ts.app.inject({ method: 'POST', url: '/v1/billing/top-ups', headers: owner.headers, payload });
  const callback = (query: { data: string; ss1: string; ss2: string }) =>
    ts.app.inject({ method: 'GET', url: '/hooks/payments/paysera', query });
  const balance = async () =>
    (await ts.app.inject({ method: 'GET', url: '/v1/balance', headers: owner.headers })).json().credits;

  /** Starts a top-up and opens its checkout URL at the fake, as the payer's browser would. */
  async function startAndOpen(payload: Record<string, unknown>) {
    const response = await topUp(payload);
    expect(response.statusCode, response.body).toBe(201);
    const { payment, checkoutUrl } = response.json();
    expect(checkoutUrl.startsWith(fake.payUrl)).toBe(true);
    const page = await fetch(checkoutUrl);
    expect(page.status).toBe(200);
    return payment as { id: string; amountMinor: number; credits: number };
  }

  it('a signed request reaches Paysera; its paid callback answers OK and credits once', async () => {
    const payment = await startAndOpen({ provider: 'paysera', packageId: 'business' });
    expect(fake.orders.get(payment.id)).toMatchObject({
      projectid: '123456',
      amount: '5000',
      currency: 'EUR',
      test: '0',
      callbackurl: expect.stringMatching(/\/hooks\/payments\/paysera$/),
    });
    const signed = fake.callbackFor(payment.id);
    const first = await callback(signed);
    expect(first.statusCode).toBe(200);
    expect(first.body).toBe('OK');
    expect((await callback(signed)).body).toBe('OK');
    expect((await callback(fake.callbackFor(payment.id))).body).toBe('OK');
    expect(await balance()).toBe(1_000);
    const list = await ts.app.inject({ method: 'GET', url: '/v1/billing/payments', headers: owner.headers });
    expect(list.json().data[0]).toMatchObject({
      id: payment.id,
      status: 'paid',
      credits: 1_000,
      amountMinor: 5_000,
    });
  });

  it('refuses a bad signature, a tampered amount, an unknown order and a test payment; none credits', async () => {
    const before = await balance();
    const payment = await startAndOpen({ provider: 'paysera', amountMinor: 1_000 });
    const good = fake.callbackFor(payment.id);
    expect((await callback({ ...good, ss1: '0'.repeat(32) })).statusCode).toBe(401);
    expect(
      (await callback({ ...good, ss2: fake.callbackFor(payment.id, { amount: '9' }).ss2 })).statusCode,
    ).toBe(401);
    const tampered = fake.callbackFor(payment.id, { amount: '100' });
    expect((await callback(tampered)).statusCode).toBe(409);
    expect((await callback(fake.callbackFor(payment.id, { test: '1' }))).statusCode).toBe(409);
    const unknown = encodePayseraData({
      projectid: '123456',
      orderid: 'pay_nope',
      amount: '1000',
      currency: 'EUR',
      status: '1',
    });
    const unknownAnswer = await callback({ data: unknown, ss1: signPayseraData(unknown, PASSWORD), ss2: '' });
    expect(unknownAnswer.statusCode).toBe(401); // ss2 is required once Paysera's key is configured
    // Not paid yet (status 0): acknowledged, nothing credited.
    expect((await callback(fake.callbackFor(payment.id, { status: '0' }))).body).toBe('OK');
    expect(await balance()).toBe(before);
    const list = await ts.app.inject({ method: 'GET', url: '/v1/billing/payments', headers: owner.headers });
    expect(list.json().data[0]).toMatchObject({ id: payment.id, status: 'pending' });
    expect((await callback(good)).body).toBe('OK');
    expect(await balance()).toBe(before + 200);
  });

  it('bad input answers with stable codes (the schema check is 400 like every other endpoint)', async () => {
    const below = await topUp({ provider: 'paysera', amountMinor: 100 });
    expect(below.statusCode).toBe(422);
    expect(below.json().code).toBe('amount_below_minimum');
    const currency = await topUp({ provider: 'paysera', amountMinor: 1_000, currency: 'USD' });
    expect(currency.statusCode).toBe(422);
    expect(currency.json().code).toBe('currency_not_enabled');
    const notNumber = await topUp({ provider: 'paysera', amountMinor: 'ten' });
    expect(notNumber.statusCode).toBe(400);
    expect(notNumber.json().code).toBe('validation_failed');
    const stripe = await topUp({ provider: 'stripe', amountMinor: 1_000 });
    expect(stripe.statusCode).toBe(400);
    expect(stripe.json().code).toBe('validation_failed');
    const tooFine = await topUp({ provider: 'paysera', amount: 10.005, currency: 'EUR' });
    expect(tooFine.statusCode).toBe(400);
  });

  it("takes API.md's shape too: { amount, currency, provider } → { id, checkoutUrl }", async () => {
    const response = await topUp({ provider: 'paysera', amount: 12.5, currency: 'EUR' });
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json();
    expect(body.id).toMatch(/^pay_/);
    expect(body.checkoutUrl.startsWith(fake.payUrl)).toBe(true);
    expect(body.payment).toMatchObject({ id: body.id, amountMinor: 1250, currency: 'EUR' });
  });
});
