import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyMailedEmail } from '../helpers/server-process';
import {
  launchBrowser,
  SCREENSHOTS,
  screenshot,
  scrollWidth,
  signUp,
  startTestServer,
  type TestServer,
  uniqueEmail,
} from './helpers';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** GETs an API path with the page's session. */
function read<T>(page: Page, path: string): Promise<T> {
  return page.evaluate(async (p) => (await fetch(p)).json(), path) as Promise<T>;
}

interface Settings {
  defaultCountry: string | null;
  defaultSender: string | null;
  sharedSender: string | null;
  smartEncoding: boolean;
}

describe('a new business: its country at sign-up, a sender at the first send, and the prices', () => {
  let browser: Browser;
  let t: TestServer;
  let shared: TestServer;
  beforeAll(async () => {
    [t, shared, browser] = await Promise.all([
      startTestServer(),
      // An operator who set a shared numeric sender.
      startTestServer([], { DEFAULT_SENDER: '+37129999999' }),
      launchBrowser(),
    ]);
  });
  const contexts: BrowserContext[] = [];
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await Promise.all([t?.close(), shared?.close()]);
  });
  async function open(locale: string, viewport = DESKTOP) {
    const context = await browser.newContext({
      locale,
      viewport,
      ...(viewport === PHONE ? { deviceScaleFactor: 2, isMobile: true, hasTouch: true } : {}),
    });
    contexts.push(context);
    return context.newPage();
  }
  const countryField = (page: Page) => page.getByLabel('Country of your business');
  async function countryShown(page: Page) {
    await countryField(page).locator('option[value="LV"]').waitFor({ state: 'attached' });
    return countryField(page).inputValue();
  }
  async function noSideways(page: Page, what: string) {
    await page.waitForLoadState('networkidle');
    expect(await scrollWidth(page), `${what} scrolls sideways`).toBeLessThanOrEqual(PHONE.width);
  }

  it('preselects the country from the browser language, or none', async () => {
    const cases: Array<[string, string]> = [
      ['lv-LV', 'LV'],
      ['de-AT', 'AT'],
      // A language without a region: where it is mostly spoken.
      ['fr', 'FR'],
      // A region no phone number belongs to: nothing chosen.
      ['en-001', ''],
    ];
    for (const [locale, expected] of cases) {
      const page = await open(locale);
      await page.goto(`${t.server.url}/signup`);
      expect(await countryShown(page), locale).toBe(expected);
      await page.close();
    }
  });

  it('signs up with the country chosen, asks for a sender at the first send, and remembers it', async () => {
    const page = await open('lv-LV');
    const email = uniqueEmail('newbiz');
    await page.goto(`${t.server.url}/signup`);
    expect(await countryShown(page)).toBe('LV');
    expect(await countryField(page).locator('option:checked').textContent()).toBe('Latvia (+371)');
    await page.getByLabel('Company').fill('Rīgas Maiznīca');
    await page.getByLabel('Your name').fill('Ada');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password', { exact: true }).fill('a-long-secret-1');
    await page.getByRole('checkbox', { name: /privacy policy/ }).check();
    await screenshot(page, 'desktop-signup-country');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/\?welcome=1$/);
    await verifyMailedEmail(t.server.url, email);
    const me = await read<{ account: { defaultCountry: string } }>(page, '/v1/me');
    expect(me.account.defaultCountry).toBe('LV');
    expect(await read<Settings>(page, '/v1/account/settings')).toMatchObject({
      defaultCountry: 'LV',
      defaultSender: null,
      smartEncoding: true,
    });

    // The first send asks who it is from, suggesting the company's name in characters a sender may use.
    await page.goto(`${t.server.url}/send`);
    const ask = page.getByRole('group', { name: 'Who is it from?' });
    await ask.waitFor();
    expect(await ask.textContent()).toMatch(/1–11 letters, digits, spaces/);
    expect(await ask.textContent()).toMatch(/up to 15 digits/);
    const sender = ask.getByLabel('Sender', { exact: true });
    // As many whole words as fit in 11 characters, without the accents a sender may not have.
    expect(await sender.inputValue()).toBe('Rigas');
    expect(await ask.getByRole('checkbox', { name: /default sender/ }).isChecked()).toBe(true);

    // A number typed without + is read in Latvia; the typographic apostrophe goes out as GSM-7.
    await page.getByLabel('Recipients').fill('20000000');
    await page.getByLabel('Message').fill('Your bread’s ready');
    await expect.poll(() => page.getByTestId('counter').textContent()).toContain('GSM-7');
    expect(await page.getByTestId('smart-encoding').textContent()).toContain('’');
    await expect
      .poll(() => page.getByTestId('cost').textContent(), { timeout: 10_000 })
      .toMatch(/^1 recipient × 1 part = 0\.05 credits$/);
    expect(await page.getByTestId('sent-from').textContent()).toBe('From: Rigas');

    // A sender the rule refuses is named next to the field before anything is sent.
    await sender.fill('Bakery & Café');
    await expect.poll(() => sender.getAttribute('aria-invalid')).toBe('true');
    expect(await ask.locator('.field-error').textContent()).toMatch(/letters, digits, spaces/);
    // Left empty, it is asked for.
    await sender.fill('');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await ask.getByText('Choose who the message is from.').waitFor();
    await sender.fill('Maiznica');
    await expect.poll(() => page.getByTestId('sent-from').textContent()).toBe('From: Maiznica');
    await screenshot(page, 'desktop-send-ask-sender');

    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/\/messages\/msg_/);
    const id = new URL(page.url()).pathname.split('/').pop();
    const message = await read<{ to: string; from: string; encoding: string; text: string }>(
      page,
      `/v1/messages/${id}`,
    );
    expect(message).toMatchObject({
      to: '+37120000000',
      from: 'Maiznica',
      encoding: 'GSM-7',
      text: "Your bread's ready",
    });
    expect((await read<Settings>(page, '/v1/account/settings')).defaultSender).toBe('Maiznica');

    // The next send does not ask again: the sender is optional, its default named.
    await page.goto(`${t.server.url}/send`);
    await page.getByLabel('Sender (optional)').waitFor();
    expect(await page.getByRole('group', { name: 'Who is it from?' }).count()).toBe(0);
    expect(await page.getByText('empty: your default, Maiznica').count()).toBe(1);
  });

  it("uses the operator's shared sender when the answer is left empty, without saving it", async () => {
    const page = await open('lv-LV');
    await signUp(page, shared.server.url, uniqueEmail('shared'), { country: 'LV' });
    await page.goto(`${shared.server.url}/send`);
    const ask = page.getByRole('group', { name: 'Who is it from?' });
    await ask.waitFor();
    const sender = ask.getByLabel('Sender (optional)');
    expect(await sender.inputValue()).toBe('');
    expect(await ask.textContent()).toContain('+37129999999');
    await page.getByLabel('Recipients').fill('20000001');
    await page.getByLabel('Message').fill('Fresh bread at 7');
    await expect.poll(() => page.getByTestId('sent-from').textContent()).toBe('From: +37129999999');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/\/messages\/msg_/);
    const id = new URL(page.url()).pathname.split('/').pop();
    expect((await read<{ from: string }>(page, `/v1/messages/${id}`)).from).toBe('+37129999999');
    expect((await read<Settings>(page, '/v1/account/settings')).defaultSender).toBeNull();
  });

  it('shows what a credit buys and a searchable price list', async () => {
    const page = await open('lv-LV');
    await signUp(page, t.server.url, uniqueEmail('prices'), { country: 'LV' });
    await page.goto(`${t.server.url}/billing`);
    // The billing page's link (the sidebar has one too).
    await page.getByRole('main').getByRole('link', { name: 'Prices', exact: true }).click();
    await page.waitForURL(/\/billing\/prices$/);
    await page.getByRole('heading', { level: 1, name: 'Prices' }).waitFor();
    const table = page.getByRole('table', { name: 'Prices per country' });
    await table.waitFor();
    expect(await page.getByText(/A credit has no price in money here yet/).count()).toBe(1);
    // 10 free credits at 0.05 a part to Latvia.
    expect(await page.getByTestId('home-price').textContent()).toMatch(
      /Latvia: 0\.05 credits a part\. Your 10 available credits send about 200 parts there\./,
    );
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBeGreaterThan(200);
    // The whole list is 245 rows long: the first screen shows what matters.
    await page.screenshot({ path: join(SCREENSHOTS, 'desktop-prices.png') });

    const search = page.getByLabel('Search');
    await search.fill('latv');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toBe('LatviaLV +3710.05');
    await search.fill('+49');
    await expect.poll(() => rows.allTextContents()).toEqual(['GermanyDE +490.08']);
    await search.fill('curacao');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Curaçao');
    await search.fill('nowhere');
    await page.getByText('No country matches.').waitFor();
    expect(await page.getByTestId('prices-shown').textContent()).toMatch(/^0 of \d+ countries$/);
  });

  it('fits a phone: sign-up, the sender question and the prices', async () => {
    const page = await open('lv-LV', PHONE);
    await page.goto(`${t.server.url}/signup`);
    expect(await countryShown(page)).toBe('LV');
    await noSideways(page, '/signup');
    await screenshot(page, 'phone-signup-country');
    await signUp(page, t.server.url, uniqueEmail('phone-newbiz'), { country: 'LV' });
    await page.goto(`${t.server.url}/send`);
    await page.getByRole('group', { name: 'Who is it from?' }).waitFor();
    await page.getByLabel('Recipients').fill('20000002');
    await page.getByLabel('Message').fill('Your order’s ready — see you soon');
    await expect.poll(() => page.getByTestId('sent-from').textContent()).toBe('From: Acme Bakery');
    await noSideways(page, '/send');
    await screenshot(page, 'phone-send-ask-sender');
    await page.goto(`${t.server.url}/billing/prices`);
    await page.getByRole('table', { name: 'Prices per country' }).waitFor();
    await page.getByLabel('Search').fill('lat');
    await noSideways(page, '/billing/prices');
    await screenshot(page, 'phone-prices');
  });
});
