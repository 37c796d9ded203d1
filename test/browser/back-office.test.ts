import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiSession, clientSignup, staffLogin } from './api-session';
import {
  launchBrowser,
  screenshot,
  scrollWidth,
  startTestServer,
  type TestServer,
  uniqueEmail,
} from './helpers';

const OPERATOR = { email: 'ops@example.com', password: 'Long-secret-4242' };

describe('operator back office: accounts, prices, routing rules, numbers, route health', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer([OPERATOR]), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function logIn(page: Page) {
    await page.goto(`${t.server.url}/admin/login`);
    await page.getByLabel('E-mail').fill(OPERATOR.email);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/admin$/);
  }

  /** Opens a back-office page through the (collapsed, on a phone) menu. */
  async function open(page: Page, link: string, heading: string) {
    const nav = page.getByRole('navigation', { name: 'Main' });
    await page.locator('#main-nav').waitFor({ state: 'attached' });
    if (!(await nav.isVisible())) await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  async function noSideScroll(page: Page, name: string) {
    await page.waitForLoadState('networkidle');
    expect(await scrollWidth(page), `${name} scrolls sideways`).toBeLessThanOrEqual(390);
    await screenshot(page, `phone-admin-${name}`);
  }

  it('edits a price and adds a routing rule; the server keeps both', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await logIn(page);
    const staff: ApiSession = await staffLogin(t.server.url, OPERATOR.email, OPERATOR.password);

    // Route health on the routes page: the built-in simulator is always connected.
    await page.getByTestId('health-simulator').getByText('Binds').waitFor();
    expect(await page.getByTestId('health-simulator').textContent()).toMatch(/Binds1/);
    await noSideScroll(page, 'routes-health');

    await open(page, 'Prices', 'Prices');
    const before = (
      await staff.call<{ default: number; countries: Record<string, number> }>('GET', '/v1/admin/prices')
    ).body;
    expect(before.countries.LV).toBeDefined();
    // A bad default comes back from the server next to its field.
    await page.getByLabel('Default price per part').fill('-1');
    await page.getByRole('button', { name: 'Save prices' }).click();
    await expect
      .poll(() => page.getByLabel('Default price per part').getAttribute('aria-invalid'))
      .toBe('true');
    await page.getByLabel('Default price per part').fill(String(before.default));

    await page.getByLabel('Filter countries').fill('Latvia');
    await expect.poll(() => page.getByTestId('prices').getByRole('listitem').count()).toBe(1);
    await page.getByLabel('Price for LV').fill('0.0425');
    // A country the platform does not know: the server's answer lands on that row.
    await page.getByLabel('Country code').fill('qq');
    await page.getByLabel('Price per part', { exact: true }).fill('0.5');
    await page.getByRole('button', { name: 'Add country' }).click();
    await page.getByRole('button', { name: 'Save prices' }).click();
    await expect.poll(() => page.getByLabel('Price for QQ').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#price-QQ-err').textContent()).toContain('not an upper-case ISO 3166');
    await page.getByRole('button', { name: 'Remove QQ' }).click();
    // Remove Estonia, then add it back at a new price.
    await page.getByLabel('Filter countries').fill('Estonia');
    await page.getByRole('button', { name: 'Remove EE' }).click();
    await page.getByLabel('Country code').fill('ee');
    await page.getByLabel('Price per part', { exact: true }).fill('0.5');
    await page.getByRole('button', { name: 'Add country' }).click();
    expect(await page.getByLabel('Price for EE').inputValue()).toBe('0.5');
    await page.getByRole('button', { name: 'Save prices' }).click();
    await page.getByRole('status').getByText('Price list saved.').waitFor();
    const after = (
      await staff.call<{ default: number; countries: Record<string, number> }>('GET', '/v1/admin/prices')
    ).body;
    expect(after.countries.LV).toBe(0.0425);
    expect(after.countries.EE).toBe(0.5);
    expect(after.countries.QQ).toBeUndefined();
    expect(after.default).toBe(before.default);
    // Every other country kept its price: saving sends the whole list.
    expect(Object.keys(after.countries).sort()).toEqual(Object.keys(before.countries).sort());
    expect(after.countries.LT).toBe(before.countries.LT);
    await page.reload();
    await page.getByLabel('Filter countries').fill('LV');
    expect(await page.getByLabel('Price for LV').inputValue()).toBe('0.0425');
    await noSideScroll(page, 'prices');

    await open(page, 'Routing rules', 'Routing rules');
    await page.getByText('No rules yet.').waitFor();
    // Without a route the server refuses, next to the route choice.
    await page.getByLabel('Priority').fill('5');
    await page.getByLabel('Countries').fill('lv, ee');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.locator('fieldset .field-error').waitFor();
    await page.getByLabel('Number prefixes').fill('+3712');
    // The simulator is offered only once it is allowed for the rule.
    await page.getByRole('checkbox', { name: /Allow the simulator/ }).check();
    await page.getByRole('button', { name: 'Add Built-in simulator' }).click();
    await page.getByRole('button', { name: 'Add rule' }).click();
    const rules = page.getByTestId('rules').getByRole('listitem');
    await expect.poll(() => rules.count()).toBe(1);
    expect(await rules.first().textContent()).toMatch(
      /priority 5.*countries LV, EE.*prefixes \+3712.*Built-in|simulator/,
    );
    const stored = (
      await staff.call<{ data: Array<{ priority: number; match: object; routeIds: string[] }> }>(
        'GET',
        '/v1/admin/routing-rules',
      )
    ).body.data;
    expect(stored).toEqual([
      expect.objectContaining({
        priority: 5,
        match: { countries: ['LV', 'EE'], prefixes: ['+3712'] },
        routeIds: ['simulator'],
      }),
    ]);
    await noSideScroll(page, 'routing-rules');
    await page.getByRole('button', { name: 'Delete rule with priority 5' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete rule' }).click();
    await page.getByText('No rules yet.').waitFor();
    await page.close();
  });

  it('adjusts credits, suspends and restores an account, and assigns it a number', async () => {
    const client = await clientSignup(t.server.url, 'Bakery Ltd', uniqueEmail('bakery'));
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await logIn(page);
    await open(page, 'Accounts', 'Accounts');
    await page.getByLabel('Search accounts').fill('Bakery');
    const card = page.getByTestId('accounts').getByRole('listitem').filter({ hasText: 'Bakery Ltd' });
    await expect.poll(() => page.getByTestId('accounts').getByRole('listitem').count()).toBe(1);
    expect(await card.getByTestId('account-balance').textContent()).toBe('Balance: 10 credits');

    await card.getByRole('button', { name: 'Adjust credits of Bakery Ltd' }).click();
    await card.getByLabel('Credits for Bakery Ltd').fill('25');
    await card.getByRole('button', { name: 'Adjust balance' }).click();
    // The reason is required by the server: its error sits next to the reason field.
    await expect.poll(() => card.getByLabel('Reason').getAttribute('aria-invalid')).toBe('true');
    await card.getByLabel('Reason').fill('Goodwill for the outage');
    await card.getByRole('button', { name: 'Adjust balance' }).click();
    await expect.poll(() => card.getByTestId('account-balance').textContent()).toBe('Balance: 35 credits');
    const balance = await client.call<{ available: number }>('GET', '/v1/balance');
    expect(balance.body.available).toBe(35);

    const staff = await staffLogin(t.server.url, OPERATOR.email, OPERATOR.password);
    const status = async () =>
      (await staff.call<{ data: Array<{ status: string }> }>('GET', '/v1/admin/accounts?q=Bakery')).body
        .data[0]?.status;
    await card.getByRole('button', { name: 'Suspend Bakery Ltd' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Suspend account' }).click();
    await card.getByText('suspended').waitFor();
    expect(await status()).toBe('suspended');
    await noSideScroll(page, 'accounts');
    await card.getByRole('button', { name: 'Reactivate Bakery Ltd' }).click();
    await card.getByText('active', { exact: true }).waitFor();
    expect(await status()).toBe('active');

    await open(page, 'Numbers', 'Inbound numbers');
    await page.getByLabel('Number', { exact: true }).fill('not-a-number');
    await page.getByLabel('Account').selectOption({ label: 'Bakery Ltd' });
    await page.getByRole('button', { name: 'Assign number' }).click();
    await expect
      .poll(() => page.getByLabel('Number', { exact: true }).getAttribute('aria-invalid'))
      .toBe('true');
    await page.getByLabel('Number', { exact: true }).fill('+37120000777');
    await page.getByRole('button', { name: 'Assign number' }).click();
    const numbers = page.getByTestId('numbers').getByRole('listitem');
    await expect.poll(() => numbers.count()).toBe(1);
    expect(await numbers.first().textContent()).toMatch(/\+37120000777 → Bakery Ltd/);
    await noSideScroll(page, 'numbers');
    await page.close();
  });
});
