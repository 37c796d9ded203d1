import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailedLink } from '../helpers/server-process';
import { launchBrowser, screenshot, startTestServer, type TestServer, uniqueEmail } from './helpers';

describe('a new client: sign up → confirm the e-mail → free credits → first SMS → delivered', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows server errors next to their field, then signs up, sends and sees the delivery', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const base = t.server.url;
    const email = uniqueEmail('ada');
    await page.goto(`${base}/signup`);
    await page.getByLabel('Company').fill('Acme Bakery');
    await page.getByLabel('Your name').fill('Ada');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password', { exact: true }).fill('a-long-secret-1');

    // Without the consent the server refuses, and the message sits next to the checkbox.
    await page.getByRole('button', { name: 'Create account' }).click();
    const consent = page.getByRole('checkbox', { name: /privacy policy/ });
    await expect.poll(() => consent.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#acceptPolicy-err').textContent()).toContain('accept the privacy policy');
    expect(await page.getByRole('link', { name: /privacy policy/ }).getAttribute('href')).toBe('/privacy');

    await consent.check();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/\?welcome=1$/);
    await page.getByRole('heading', { name: 'Send your first SMS' }).waitFor();
    expect(await page.getByText('10 free credits', { exact: true }).count()).toBe(1);
    expect(await page.getByTestId('credits').textContent()).toBe('10');
    expect(await page.getByTestId('locked-credits').textContent()).toBe('10');
    await screenshot(page, 'desktop-welcome');

    // The free credits wait for the confirmed e-mail: a banner says so on every page and sends the link again.
    const banner = page.getByTestId('verify-banner');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('Confirm your e-mail to use your free credits');
    expect(await banner.textContent()).toContain(email);
    const firstLink = mailedLink(t.dataDir, email);
    await banner.getByRole('button', { name: 'Send the link again' }).click();
    await banner.getByRole('status').filter({ hasText: 'A new link is on its way' }).waitFor();
    await expect.poll(() => mailedLink(t.dataDir, email)).not.toBe(firstLink);
    await screenshot(page, 'desktop-verify-banner');
    // The user opens the newest link from the mail (the file mailer writes it under DATA_DIR/mail).
    const token = new URL(mailedLink(t.dataDir, email)).searchParams.get('token');
    await page.goto(`${base}/verify-email?token=${token}`);
    await page.getByRole('button', { name: 'Confirm my e-mail' }).click();
    await page.getByRole('status').filter({ hasText: 'confirmed' }).waitFor();
    await page.goto(`${base}/?welcome=1`);
    await page.getByRole('heading', { name: 'Send your first SMS' }).waitFor();
    expect(await page.getByTestId('verify-banner').count()).toBe(0);
    expect(await page.getByTestId('locked-credits').count()).toBe(0);

    await page.getByRole('link', { name: 'Send your first SMS' }).click();
    await page.waitForURL(/\/send$/);
    await page.getByLabel('Recipients').fill('+37120000000');
    const message = page.getByLabel('Message');
    await message.fill('Your order is ready');
    await expect.poll(() => page.getByTestId('counter').textContent()).toContain('GSM-7');
    // A Cyrillic letter forces UCS-2, and is marked.
    await message.fill('Your order is ready ж');
    await expect.poll(() => page.getByTestId('counter').textContent()).toContain('UCS-2');
    expect(await page.locator('mark').first().textContent()).toBe('ж');
    await expect.poll(() => page.getByTestId('cost').textContent(), { timeout: 10_000 }).toMatch(/credits/);
    await screenshot(page, 'desktop-send');

    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/\/messages\/msg_/);
    await expect
      .poll(() => page.getByTestId('message-status').textContent(), { timeout: 20_000 })
      .toBe('delivered');
    const timeline = await page.locator('.timeline').textContent();
    expect(timeline).toContain('queued');
    expect(timeline).toContain('delivered');
    await screenshot(page, 'desktop-message-delivered');

    // The log lists it, and the filter keeps it under "delivered".
    await page.getByRole('link', { name: 'Messages', exact: true }).click();
    await page.getByText('Status: all').click();
    await page.getByRole('checkbox', { name: 'delivered', exact: true }).check();
    await page.getByText('Status: delivered').waitFor();
    await page.getByRole('table', { name: 'Messages' }).getByText('+37120000000').first().waitFor();

    // The dashboard counts it (the server's per-day figures): today 1, delivery rate 100 %.
    await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
    const figures = page.locator('section[aria-labelledby="stats-h"] .stats');
    await expect
      .poll(() => figures.textContent(), { timeout: 15_000 })
      .toMatch(/Today1This month1.*Delivery rate100 %/);
    await page.close();
  });
});
