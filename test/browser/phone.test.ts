import { generateSync } from 'otplib';
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

    // Navigation collapses behind a Menu button; it opens, is tapped, and closes again on the new page.
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).tap();
    expect(await page.getByRole('button', { name: 'Menu' }).getAttribute('aria-expanded')).toBe('true');
    expect(await scrollWidth(page)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, 'phone-menu-open');
    // Escape closes it again (keyboard users), and the button reopens it.
    await page.keyboard.press('Escape');
    expect(await nav.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).tap();
    await nav.getByRole('link', { name: 'Send' }).tap();
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
    await page.getByRole('table', { name: 'Messages' }).getByRole('link').first().click();
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

  it('renders the contact, inbox, team, account, billing and audit pages without horizontal scrolling', async () => {
    const context = await browser.newContext({
      viewport: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const page = await context.newPage();
    await signUp(page, t.server.url, uniqueEmail('phone-pages'));
    /** Calls the API from the page, with its session and CSRF token. */
    const call = (method: string, path: string, body?: unknown) =>
      page.evaluate(
        async ([m, p, b]) => {
          const me = (await (await fetch('/v1/me')).json()) as { csrfToken: string };
          const r = await fetch(p as string, {
            method: m as string,
            headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
            body: b === undefined ? undefined : JSON.stringify(b),
          });
          return { status: r.status, body: (await r.json().catch(() => null)) as { id: string } };
        },
        [method, path, body] as const,
      );
    const group = await call('POST', '/v1/groups', {
      name: 'Customers who ordered a wedding cake this year',
    });
    expect(group.status).toBe(201);
    await call('POST', '/v1/contact-fields', {
      key: 'favourite_cake',
      label: 'Favourite cake',
      type: 'text',
    });
    const contact = await call('POST', '/v1/contacts', {
      phone: '+37120000321',
      firstName: 'Hubert Blaine',
      lastName: 'Wolfeschlegelsteinhausenbergerdorff',
      email: 'hubert.blaine.wolfeschlegelsteinhausenbergerdorff@example-bakery.com',
      country: 'LV',
      address: 'Brīvības iela 1, Rīga, LV-1010',
      tags: ['wedding', 'vip', 'newsletter'],
      groupIds: [group.body.id],
      fields: { favourite_cake: 'Napoleon' },
    });
    expect(contact.status).toBe(201);
    await call('POST', `/v1/contacts/${contact.body.id}/consents`, {
      purpose: 'marketing',
      granted: true,
      source: 'signup form at the bakery counter',
    });
    await call('POST', '/v1/contacts', { phone: '+37120000322', firstName: 'Anna' });
    await call('POST', '/v1/suppressions', {
      phone: '+37120000999',
      reason: 'Asked us to stop',
      scope: 'all',
    });
    await call('POST', '/v1/users', { email: uniqueEmail('colleague'), name: 'Colleague', role: 'sender' });

    await check(page, '/contacts', 'Contacts', 'contacts');
    await page.getByRole('table', { name: 'Contacts' }).getByText('+37120000321').waitFor();
    await page.getByRole('checkbox', { name: /Select Hubert/ }).check();
    await check(page, '/contacts', 'Contacts', 'contacts-selected');
    await check(page, '/contacts/new', 'New contact', 'contact-new');
    await check(page, `/contacts/${contact.body.id}`, 'Edit contact', 'contact-edit');
    await page
      .getByTestId('consents')
      .getByText(/granted/)
      .waitFor();
    await check(page, `/contacts/${contact.body.id}`, 'Edit contact', 'contact-edit');
    await check(page, '/groups', 'Groups', 'groups');
    await check(page, '/suppressions', 'Suppression list', 'suppressions');
    await check(page, '/inbox', 'Inbox', 'inbox');
    await check(page, '/team', 'Team', 'team');
    await page.getByRole('combobox', { name: 'Role of Colleague' }).waitFor();
    // The server refuses to demote the only owner; the answer shows on that member's card.
    await page.getByRole('combobox', { name: 'Role of Ada' }).selectOption('viewer');
    await page
      .getByRole('alert')
      .getByText(/last owner/)
      .waitFor();
    await check(page, '/team', 'Team', 'team');
    await check(page, '/account', 'Account', 'account');
    await page.getByRole('button', { name: 'Set up 2FA' }).tap();
    const secret = String(await page.getByTestId('totp-secret').textContent());
    await page.getByRole('img', { name: /QR code of your two-factor key/ }).waitFor();
    expect(await page.getByTestId('otpauth-uri').textContent()).toContain(`secret=${secret}`);
    await page.getByLabel('6-digit code').fill('000000');
    await page.getByRole('button', { name: 'Turn on 2FA' }).tap();
    await expect.poll(() => page.getByLabel('6-digit code').getAttribute('aria-invalid')).toBe('true');
    await check(page, '/account', 'Account', 'account-2fa');
    await page.getByLabel('6-digit code').fill(generateSync({ secret }));
    await page.getByRole('button', { name: 'Turn on 2FA' }).tap();
    await page.getByRole('button', { name: 'Turn off 2FA' }).waitFor();
    expect(
      await page.evaluate(() =>
        fetch('/v1/me')
          .then((r) => r.json() as Promise<{ user: { twoFactorEnabled: boolean } }>)
          .then((m) => m.user.twoFactorEnabled),
      ),
    ).toBe(true);
    await page.getByLabel('Default country').selectOption('LV');
    await page.getByLabel('Default sender').fill('Bakery');
    await page.getByRole('button', { name: 'Save settings' }).tap();
    await page.getByRole('status').getByText('Settings saved.').waitFor();
    expect(await page.evaluate(() => fetch('/v1/account/settings').then((r) => r.json()))).toMatchObject({
      defaultCountry: 'LV',
      defaultSender: 'Bakery',
    });
    await check(page, '/billing', 'Billing', 'billing');
    await page.getByRole('table', { name: 'Ledger' }).waitFor();
    await check(page, '/billing', 'Billing', 'billing');
    await check(page, '/audit', 'Audit log', 'audit');
    await page.getByRole('table', { name: 'Audit log' }).waitFor();
    await check(page, '/audit', 'Audit log', 'audit');
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
    // A service worker takes over the app's pages once loaded.
    const context = await browser.newContext();
    const sw = await context.newPage();
    await sw.goto(`${t.server.url}/login`);
    const active = await sw.evaluate(
      'navigator.serviceWorker.ready.then((r) => r.active?.scriptURL ?? null)',
    );
    expect(active).toBe(`${t.server.url}/sw.js`);
    await context.close();
    // API paths keep their problem+json 404, pages get the app.
    const api = await fetch(`${t.server.url}/v1/nothing`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/problem+json');
    const page = await fetch(`${t.server.url}/messages`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
  });
});
