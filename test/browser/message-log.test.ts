import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  launchBrowser,
  screenshot,
  scrollWidth,
  signUp,
  startTestServer,
  type TestServer,
  uniqueEmail,
} from './helpers';

const OPERATOR = { email: 'reports-ops@example.com', password: 'Long-secret-4242' };
const LV1 = '+37121234567';
const LV2 = '+37122345678';
const LV_UNDELIVERED = '+37120000000';
const DE = '+4915123456789';

describe('the message log, its export and the reports in the browser', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    [t, browser] = await Promise.all([
      startTestServer([OPERATOR], { SIMULATOR_UNDELIVERED_PATTERN: '0000$' }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const rows = (page: Page) => page.getByRole('table', { name: 'Messages' }).locator('tbody tr');

  /** Creates an API key on the Developers page, copies it with its button and returns what was copied. */
  async function copyNewKey(context: BrowserContext, page: Page): Promise<string> {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.server.url });
    await page.goto(`${t.server.url}/developers`);
    await page.getByLabel('Key name').fill('reports');
    await page.getByRole('button', { name: 'Create key' }).click();
    const shown = (await page.getByTestId('new-key').textContent())!.trim();
    await page.getByRole('button', { name: 'Copy the API key' }).click();
    await page.getByText('Copied', { exact: true }).waitFor();
    const copied = String(await page.evaluate('navigator.clipboard.readText()'));
    expect(copied).toBe(shown);
    return copied;
  }

  async function send(key: string, body: object) {
    const r = await fetch(`${t.server.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(r.status, await r.clone().text()).toBe(202);
  }

  it('filters the table, exports the filter as CSV and draws the charts of the seeded messages', async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    await signUp(page, t.server.url, uniqueEmail('log'));
    const key = await copyNewKey(context, page);
    await send(key, { to: [LV1, LV2, LV_UNDELIVERED], text: 'Your order has shipped', from: 'Acme' });
    await send(key, { to: [DE], text: 'Ihre Bestellung', from: 'Shop' });

    await page.goto(`${t.server.url}/messages`);
    await expect.poll(() => rows(page).count()).toBe(4);
    // The simulated carrier reports within a second; the table follows.
    await page.reload();
    await expect
      .poll(async () => (await page.getByRole('table', { name: 'Messages' }).textContent()) ?? '', {
        timeout: 15_000,
      })
      .toContain('undelivered');

    // Number: the beginning of a number, written with spaces.
    await page.getByLabel('Number').fill('+371 22');
    await expect.poll(() => rows(page).count()).toBe(1);
    await expect.poll(() => rows(page).first().textContent()).toContain(LV2);
    await page.getByLabel('Number').fill('');
    await expect.poll(() => rows(page).count()).toBe(4);
    // A bad number is explained next to the field.
    await page.getByLabel('Number').fill('call me');
    await page.getByText('use digits only').waitFor();
    await page.getByLabel('Number').fill('');

    // Status: several at once.
    await page.getByText('Status: all').click();
    await page.getByRole('checkbox', { name: 'undelivered' }).check();
    await expect.poll(() => rows(page).count()).toBe(1);
    await page.getByRole('checkbox', { name: 'delivered', exact: true }).check();
    await expect.poll(() => rows(page).count()).toBe(4);
    await page.getByText('Status: 2 chosen').waitFor();
    await page.getByRole('checkbox', { name: 'delivered', exact: true }).uncheck();
    await page.getByRole('checkbox', { name: 'undelivered' }).uncheck();
    await page.getByText('Status: all').click();

    // Sender, then the export of exactly that filter.
    await page.getByLabel('Sender').fill('Acme');
    await expect.poll(() => rows(page).count()).toBe(3);
    await screenshot(page, 'messages-log-desktop');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('messages.csv');
    const csv = parse(readFileSync((await download.path())!, 'utf8'), { columns: true }) as Array<
      Record<string, string>
    >;
    expect(csv.map((r) => r.to).sort()).toEqual([LV1, LV2, LV_UNDELIVERED].map((n) => `'${n}`).sort());
    expect(new Set(csv.map((r) => r.from))).toEqual(new Set(['Acme']));

    // Dates, picked on the calendar: yesterday held nothing.
    await page.getByRole('button', { name: 'Dates' }).click();
    await page.getByRole('button', { name: 'Yesterday' }).click();
    await page.getByText('No messages match these filters.').waitFor();

    // Reports: a volume chart and a delivery-rate chart drawn from the four messages.
    await page.goto(`${t.server.url}/reports`);
    await expect.poll(() => page.getByTestId('report-total').textContent()).toBe('4');
    const volume = page.getByTestId('volume-chart');
    // Today's bar: 3 delivered and 1 failed, stacked.
    await expect.poll(() => volume.locator('rect.chart-bar').count()).toBe(2);
    expect(await volume.locator('rect.chart-bar[data-series="delivered"] title').textContent()).toContain(
      '3 delivered',
    );
    await expect.poll(() => page.getByTestId('rate-chart').locator('circle.chart-point').count()).toBe(1);
    expect(await page.getByTestId('rate-chart').locator('circle.chart-point title').textContent()).toContain(
      '75 %',
    );
    await screenshot(page, 'reports-desktop');
    await page.getByRole('radio', { name: 'Country' }).check();
    // LV: delivered and failed; DE: delivered.
    await expect.poll(() => volume.locator('rect.chart-bar').count()).toBe(3);
    await expect.poll(() => page.getByTestId('rate-chart').locator('rect.chart-bar').count()).toBe(2);
    await page.getByText('Figures as a table').click();
    await page
      .getByRole('table', { name: 'Messages per country' })
      .getByRole('row', { name: /LV 3 2 1 0 66\.7 %/ })
      .waitFor();
    await context.close();
  });

  it('on a phone, the log, the reports and the operator reports fit the screen', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signUp(page, t.server.url, uniqueEmail('phone'));
    const context = page.context();
    const key = await copyNewKey(context, page);
    await send(key, { to: [LV1, LV_UNDELIVERED, DE], text: 'Hello', from: 'Acme' });
    await page.goto(`${t.server.url}/messages`);
    await expect.poll(() => rows(page).count()).toBe(3);
    await page.waitForLoadState('networkidle');
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'messages-log-phone');
    await page.goto(`${t.server.url}/reports`);
    await expect
      .poll(() => page.getByTestId('volume-chart').locator('rect.chart-bar').count())
      .toBeGreaterThan(0);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'reports-phone');

    // The operator: every account, per route.
    await page.goto(`${t.server.url}/admin/login`);
    await page.getByLabel('E-mail').fill(OPERATOR.email);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/admin$/);
    await page.goto(`${t.server.url}/admin/reports?groupBy=route`);
    await page.getByRole('heading', { level: 1, name: 'Reports' }).waitFor();
    await expect
      .poll(() => page.getByTestId('volume-chart').locator('rect.chart-bar').count())
      .toBeGreaterThan(0);
    expect(Number(await page.getByTestId('report-total').textContent())).toBeGreaterThanOrEqual(7);
    expect(await page.getByTestId('volume-chart').locator('title').allTextContents()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Built-in simulator: \d+ delivered$/)]),
    );
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'admin-reports-phone');
  });
});
