import type { Browser, Page } from 'playwright-core';
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

const PHONE = { width: 390, height: 844 };

describe('phone viewport (390×844)', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function check(page: Page, path: string, heading: string, name: string) {
    const base = t.server.url;
    if (new URL(page.url(), base).pathname !== path) await page.goto(`${base}${path}`);
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(await scrollWidth(page), `${path} scrolls sideways`).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, `phone-${name}`);
  }

  it('renders the main pages without horizontal scrolling, with a usable nav', async () => {
    const context = await browser.newContext({
      viewport: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    await check(page, '/signup', 'Create your account', 'signup');
    await check(page, '/login', 'Log in', 'login');
    await signUp(page, t.server.url, uniqueEmail('phone'));
    await check(page, '/', 'Welcome, Ada', 'dashboard');

    // Navigation works by tapping the header links.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Send' }).tap();
    await check(page, '/send', 'Send an SMS', 'send-empty');
    await page.getByLabel('Recipients').fill('+37120000000, +37120000001');
    await page
      .getByLabel('Message')
      .fill('Grüße from Rīga: your table for 2 is booked 🎉 — reply STOP to opt out.');
    await page.getByTestId('cost').waitFor();
    await check(page, '/send', 'Send an SMS', 'send');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/\/messages$/);

    await check(page, '/messages', 'Messages', 'messages');
    await page.locator('.cards a').first().click();
    await expect
      .poll(() => page.getByTestId('message-status').textContent(), { timeout: 20_000 })
      .toBe('delivered');
    await check(page, new URL(page.url()).pathname, 'Message', 'message');
    await check(page, '/', 'Dashboard', 'dashboard-stats');
    await page.getByRole('table', { name: /Last 7 days/ }).waitFor();

    await page.goto(`${t.server.url}/developers`);
    await page.getByLabel('Key name').fill('backend');
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => page.getByTestId('new-key').textContent()).toMatch(/^sg_live_/);
    await check(page, '/developers', 'Developers', 'developers');
    await context.close();
  });

  it('serves a web manifest with icons (installable as a PWA)', async () => {
    const manifest = (await (await fetch(`${t.server.url}/manifest.webmanifest`)).json()) as {
      name: string;
      display: string;
      icons: Array<{ src: string; sizes: string }>;
    };
    expect(manifest.display).toBe('standalone');
    for (const size of ['192x192', '512x512']) {
      const icon = manifest.icons.find((i) => i.sizes === size);
      expect(icon).toBeDefined();
      const r = await fetch(`${t.server.url}${icon?.src}`);
      expect(r.headers.get('content-type')).toBe('image/png');
    }
    // API paths keep their problem+json 404, pages get the app.
    const api = await fetch(`${t.server.url}/v1/nothing`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
    const page = await fetch(`${t.server.url}/messages`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
  });
});
