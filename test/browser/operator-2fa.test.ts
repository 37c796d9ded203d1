import { generateSync } from 'otplib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startTestServer, type TestServer } from './helpers';

const OPERATOR = { email: 'ops-2fa@example.com', password: 'Long-secret-4243' };

describe('operator two-factor sign-in (STAFF_REQUIRE_2FA)', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    [t, browser] = await Promise.all([
      startTestServer([OPERATOR], { STAFF_REQUIRE_2FA: 'true' }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('sends an operator without 2FA to the Security page, enrols with the QR key, then needs the code', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.server.url}/admin/login`);
    await page.getByLabel('E-mail').fill(OPERATOR.email);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/admin\/security$/);
    await page.getByTestId('staff-2fa-required').waitFor();
    // Any other back-office page leads back here until enrolment.
    await page.goto(`${t.server.url}/admin/accounts`);
    await page.waitForURL(/\/admin\/security$/);

    await page.getByRole('button', { name: 'Set up 2FA' }).click();
    await page.getByRole('img', { name: /QR code/ }).waitFor();
    const secret = (await page.getByTestId('totp-secret').textContent())?.trim() ?? '';
    expect(secret.length).toBeGreaterThan(10);
    await screenshot(page, 'operator-2fa-enrol');
    await page.getByLabel('6-digit code').fill(generateSync({ secret }));
    await page.getByRole('button', { name: 'Turn on 2FA' }).click();
    await page.getByRole('button', { name: 'Turn off 2FA' }).waitFor();
    expect(await page.getByTestId('staff-2fa-required').count()).toBe(0);

    await page.getByRole('link', { name: 'Accounts' }).first().click();
    await page.waitForURL(/\/admin\/accounts$/);
    await page.getByRole('heading', { level: 1, name: /Accounts/ }).waitFor();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/admin\/login$/);
    await page.getByLabel('E-mail').fill(OPERATOR.email);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    const code = page.getByLabel('Two-factor code');
    await code.waitFor();
    // The enrolment spent the current step's code: the next step's is inside the drift window.
    await code.fill(generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + 30 }));
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/admin$/);
    await page.close();
  });
});
