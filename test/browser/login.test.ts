import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSync } from 'otplib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, signUp, startTestServer, type TestServer, uniqueEmail } from './helpers';

const PASSWORD = 'a-long-secret-1';

/** A client user with 2FA on, set up through the public API. */
async function userWithTwoFactor(base: string): Promise<{ email: string; secret: string }> {
  const email = uniqueEmail('twofa');
  const signup = await fetch(`${base}/v1/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ company: 'Acme', name: 'Ada', email, password: PASSWORD, acceptPolicy: true }),
  });
  expect(signup.status).toBe(201);
  const { csrfToken } = (await signup.json()) as { csrfToken: string };
  const cookie = (signup.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const headers = { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' };
  const setup = await fetch(`${base}/v1/auth/2fa/setup`, {
    method: 'POST',
    headers: { cookie, 'x-csrf-token': csrfToken },
  });
  const { secret } = (await setup.json()) as { secret: string };
  const enable = await fetch(`${base}/v1/auth/2fa/enable`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ code: generateSync({ secret }) }),
  });
  expect(enable.status).toBe(204);
  return { email, secret };
}

describe('log in with 2FA, log out', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('asks for the code when the API answers two_factor_required, then logs out', async () => {
    const { email, secret } = await userWithTwoFactor(t.server.url);
    const page = await browser.newPage();
    await page.goto(`${t.server.url}/`);
    await page.waitForURL(/\/login$/);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();

    const code = page.getByLabel('Two-factor code');
    await code.waitFor();
    expect(await page.getByRole('alert').first().textContent()).toContain('6-digit code');
    // The enrolment spent the current step's code: the next step's is inside the drift window.
    await code.fill(generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login$/);
    const me = await page.evaluate("fetch('/v1/me').then((r) => r.status)");
    expect(me).toBe(401);
    await page.close();
  });

  it('resets a forgotten password with the e-mailed link, and confirms the e-mail address', async () => {
    const email = uniqueEmail('forgot');
    const page = await browser.newPage();
    // The e-mail is confirmed below, through the page, as the user would.
    await signUp(page, t.server.url, email, { verified: false });
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login$/);

    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('E-mail').fill(email);
    await page.getByRole('button', { name: 'E-mail me a link' }).click();
    await page.getByRole('status').waitFor();

    const mailFor = (path: string) => {
      const dir = join(t.dataDir, 'mail');
      for (const f of readdirSync(dir)) {
        const text = readFileSync(join(dir, f), 'utf8');
        const link = text.includes(`To: ${email}`) ? text.match(new RegExp(`${path}\\?token=[^\\s]+`)) : null;
        if (link) return link[0];
      }
      return null;
    };
    await expect.poll(() => mailFor('/reset-password')).not.toBeNull();
    await page.goto(`${t.server.url}${mailFor('/reset-password')}`);
    await page.getByLabel('New password').fill('another-long-secret-2');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('status').waitFor();

    await page.goto(`${t.server.url}/login`);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('another-long-secret-2');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();

    const verifyLink = mailFor('/verify-email');
    expect(verifyLink).not.toBeNull();
    await page.goto(`${t.server.url}${verifyLink}`);
    await page.getByRole('button', { name: 'Confirm my e-mail' }).click();
    await page.getByText('Your e-mail address is confirmed').waitFor();
    await page.close();
  });
});
