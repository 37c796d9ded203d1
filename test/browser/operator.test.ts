import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, scrollWidth, startTestServer, type TestServer } from './helpers';

const OPERATOR = { email: 'ops@example.com', password: 'Long-secret-4242' };

describe('operator back office', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer([OPERATOR]), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('logs in and adds a route', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${t.server.url}/admin`);
    await page.waitForURL(/\/admin\/login$/);
    await page.getByLabel('E-mail').fill(OPERATOR.email);
    await page.getByLabel('Password').fill('wrong-password-1');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').first().waitFor();

    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/admin$/);
    await page.getByRole('heading', { level: 1, name: 'Routes' }).waitFor();

    // A server validation error lands next to the name field.
    await page.getByRole('button', { name: 'Add route' }).click();
    await expect.poll(() => page.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('Name').fill('test-carrier');
    await page.getByLabel('Type').selectOption('simulator');
    await page.getByRole('button', { name: 'Add route' }).click();
    await page.getByTestId('routes').locator('strong', { hasText: 'test-carrier' }).waitFor();
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-admin-routes');

    // On a phone the navigation sits behind the Menu button.
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('heading', { level: 1, name: 'Accounts' }).waitFor();
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-admin-accounts');
    await page.close();
  });
});
