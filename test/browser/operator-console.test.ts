import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiSession, staffLogin } from './api-session';
import {
  launchBrowser,
  screenshot,
  scrollWidth,
  signUp,
  startTestServer,
  type TestServer,
  uniqueEmail,
} from './helpers';

const OPERATOR = { email: 'ops@example.com', password: 'Long-secret-4242' };
const SIZES = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

describe('operator console: route forms and test sends, confirmations, account page, suspended banner', () => {
  let browser: Browser;
  let t: TestServer;
  let staff: ApiSession;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer([OPERATOR]), launchBrowser()]);
    staff = await staffLogin(t.server.url, OPERATOR.email, OPERATOR.password);
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

  it('adds a route through the form its type describes, edits it, test-sends through it and deletes it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await logIn(page);
    // The SMPP form: fields from the schema, the password a password field, the JSON behind "Advanced".
    await page.getByLabel('Type', { exact: true }).selectOption('smpp');
    await page.getByLabel('Host').waitFor();
    expect(await page.getByLabel('Password').getAttribute('type')).toBe('password');
    expect(await page.getByLabel('Bind mode').locator('option').allTextContents()).toEqual([
      'transceiver',
      'transmitter_receiver',
    ]);
    await screenshot(page, 'desktop-admin-route-form-smpp');
    await page.getByLabel('Name').fill('bad-carrier');
    await page.getByLabel('Host').fill('127.0.0.1');
    await page.getByLabel('Port').fill('70000');
    await page.getByLabel('System ID').fill('acme');
    await page.getByRole('button', { name: 'Add route' }).click();
    // The server's complaint lands on the field.
    await expect.poll(() => page.getByLabel('Port').getAttribute('aria-invalid')).toBe('true');

    // A simulator route, with a field set through the raw JSON view.
    await page.getByLabel('Type', { exact: true }).selectOption('simulator');
    await page.getByLabel('Name').fill('staging-sim');
    await page.getByLabel('Delivery delay (ms)').fill('200');
    await page.getByRole('button', { name: 'Advanced (JSON)' }).click();
    const raw = page.getByLabel('Configuration (JSON)');
    expect(JSON.parse(await raw.inputValue())).toMatchObject({ deliveryDelayMs: 200 });
    await raw.fill('{ "deliveryDelayMs": 100, "rejectPattern": "^\\\\+4479" }');
    await page.getByRole('button', { name: 'Back to the form' }).click();
    expect(await page.getByLabel('Reject pattern').inputValue()).toBe('^\\+4479');
    await page.getByRole('button', { name: 'Add route' }).click();
    const item = page.getByTestId('routes').getByRole('listitem').filter({ hasText: 'staging-sim' });
    await item.waitFor();
    const routes = (
      await staff.call<{ data: Array<{ id: string; name: string; config: Record<string, unknown> }> }>(
        'GET',
        '/v1/admin/routes',
      )
    ).body.data;
    const route = routes.find((r) => r.name === 'staging-sim')!;
    expect(route.config).toMatchObject({ deliveryDelayMs: 100, rejectPattern: '^\\+4479' });

    // Edit: the form opens with the stored values.
    await item.getByRole('button', { name: 'Edit staging-sim' }).click();
    expect(await item.getByLabel('Delivery delay (ms)').inputValue()).toBe('100');
    await item.getByLabel('Delivery delay (ms)').fill('50');
    await item.getByRole('button', { name: 'Save route' }).click();
    await expect
      .poll(
        async () =>
          (await staff.call<{ config: { deliveryDelayMs: number } }>('GET', `/v1/admin/routes/${route.id}`))
            .body.config.deliveryDelayMs,
      )
      .toBe(50);

    // Test send: accepted with the carrier's id, and the receipt within the wait.
    await item.getByRole('button', { name: 'Test staging-sim' }).click();
    await item.getByLabel('Test number').fill('+37121234567');
    await item.getByRole('button', { name: 'Send test' }).click();
    const result = item.getByTestId('test-result');
    await result.getByText('accepted').waitFor();
    await expect.poll(() => result.textContent(), { timeout: 15_000 }).toMatch(/Receiptdelivered/);
    await screenshot(page, 'desktop-admin-route-test');
    // A refused destination: the carrier's error code and detail.
    await item.getByLabel('Test number').fill('+447911123456');
    await item.getByRole('button', { name: 'Send test' }).click();
    await expect
      .poll(() => result.textContent(), { timeout: 10_000 })
      .toMatch(/refused.*invalid_destination/);

    // Delete asks first; Escape cancels, and focus goes back to the button.
    const del = item.getByRole('button', { name: 'Delete staging-sim' });
    await del.click();
    const dialog = page.getByRole('dialog', { name: 'Delete the route staging-sim?' });
    await dialog.waitFor();
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Cancel');
    // Focus stays inside the dialog.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(`Boolean(document.activeElement?.closest('[role="dialog"]'))`)).toBe(true);
    await screenshot(page, 'desktop-admin-confirm-delete-route');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.evaluate('document.activeElement?.textContent')).toContain('Delete');
    expect((await staff.call('GET', `/v1/admin/routes/${route.id}`)).status).toBe(200);
    await del.click();
    await dialog.getByRole('button', { name: 'Delete route' }).click();
    await item.waitFor({ state: 'detached' });
    expect((await staff.call('GET', `/v1/admin/routes/${route.id}`)).status).toBe(404);
    await page.close();
  });

  it('shows an account in full, suspends it after a confirmation, and its users see the banner', async () => {
    // A client signs up in its own browser.
    const clientPage = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signUp(clientPage, t.server.url, uniqueEmail('banner'));
    const accounts = (
      await staff.call<{ data: Array<{ id: string; name: string }> }>('GET', '/v1/admin/accounts?q=Acme')
    ).body.data;
    const account = accounts[0]!;

    for (const size of SIZES) {
      const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
      await logIn(page);
      await page.goto(`${t.server.url}/admin/accounts/${account.id}`);
      await page.getByRole('heading', { level: 1, name: account.name }).waitFor();
      await page.getByTestId('account-users').getByText('owner').waitFor();
      await page.getByTestId('account-balance').waitFor();
      await page.getByRole('table', { name: 'Ledger (newest first)' }).waitFor();
      await page.getByLabel('Refund policy').waitFor();
      await page.getByRole('table', { name: `Audit log of ${account.name}` }).waitFor();
      await page.waitForLoadState('networkidle');
      if (size.name === 'phone') expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
      await screenshot(page, `${size.name}-admin-account`);
      await page.close();
    }

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await logIn(page);
    await page.goto(`${t.server.url}/admin/accounts/${account.id}`);
    await page.getByRole('button', { name: 'Suspend' }).click();
    const dialog = page.getByRole('dialog', { name: `Suspend ${account.name}?` });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByTestId('account-status').textContent()).toBe('active');
    await page.getByRole('button', { name: 'Suspend' }).click();
    await dialog.getByRole('button', { name: 'Suspend account' }).click();
    await expect.poll(() => page.getByTestId('account-status').textContent()).toBe('suspended');
    await page.getByLabel('Refund policy').selectOption('undelivered_and_expired');
    await page.getByText('Refund policy saved.').waitFor();
    await page.close();

    // The client: a banner on every page saying what it means.
    for (const path of ['/', '/send', '/contacts']) {
      await clientPage.goto(`${t.server.url}${path}`);
      await clientPage.getByTestId('suspended-banner').getByText('This account is suspended').waitFor();
    }
    expect(await clientPage.getByTestId('suspended-banner').textContent()).toContain('refused');
    expect(await scrollWidth(clientPage)).toBeLessThanOrEqual(390);
    await screenshot(clientPage, 'phone-suspended-banner');
    await clientPage.setViewportSize({ width: 1280, height: 800 });
    await screenshot(clientPage, 'desktop-suspended-banner');
    await clientPage.close();
  });

  it('lists staff and creates a staff key shown once', async () => {
    for (const size of SIZES) {
      const page = await browser.newPage({ viewport: { width: size.width, height: size.height } });
      await logIn(page);
      await page.goto(`${t.server.url}/admin/staff`);
      await page.getByTestId('staff-users').getByText(OPERATOR.email).first().waitFor();
      if (size.name === 'desktop') {
        await page.getByLabel('Key name').fill('billing export');
        await page.getByRole('button', { name: 'Create key' }).click();
        const shown = page.getByTestId('new-staff-key');
        await shown.getByText(/sg_staff_/).waitFor();
        await page.getByTestId('staff-keys').getByRole('button', { name: 'Revoke billing export' }).waitFor();
      }
      await page.waitForLoadState('networkidle');
      if (size.name === 'phone') expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
      await screenshot(page, `${size.name}-admin-staff`);
      await page.close();
    }
  });
});
