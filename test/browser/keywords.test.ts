import type { Browser } from 'playwright-core';
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

describe('the Keywords page', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('saves the help text, adds a keyword, refuses one whose reply would loop, and deletes', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const base = t.server.url;
    await signUp(page, base, uniqueEmail('keywords'));
    await page.goto(`${base}/keywords`);
    await page.getByRole('heading', { name: 'Keywords', level: 1 }).waitFor();
    expect(await page.getByTestId('privacy-words').textContent()).toContain('lv: DZĒST');

    await page.getByLabel('Answer to HELP').fill('Acme: call +37167000000. Reply STOP to opt out.');
    const saved = page.waitForResponse(
      (r) => r.url().endsWith('/v1/account/settings') && r.request().method() === 'PATCH',
    );
    await page.getByRole('button', { name: 'Save help text' }).click();
    expect((await saved).status()).toBe(200);
    await page.reload();
    await expect
      .poll(() => page.getByLabel('Answer to HELP').inputValue())
      .toBe('Acme: call +37167000000. Reply STOP to opt out.');

    await page.getByLabel('Keyword', { exact: true }).fill('join');
    await page.getByLabel('Synonyms').fill('pievienoties, вступить');
    await page.getByLabel('Reply').fill('Welcome to the club!');
    await page.getByRole('button', { name: 'Add keyword' }).click();
    const rule = page.getByTestId('keywords').getByRole('listitem').filter({ hasText: 'JOIN' });
    await rule.waitFor();
    expect(await rule.textContent()).toContain('PIEVIENOTIES, ВСТУПИТЬ');
    expect(await rule.textContent()).toContain('replies “Welcome to the club!”');

    // A reply starting with JOIN would answer itself on another of the account's numbers.
    await page.getByLabel('Keyword', { exact: true }).fill('win');
    await page.getByLabel('Reply').fill('Join us at the shop');
    await page.getByRole('button', { name: 'Add keyword' }).click();
    await page.getByRole('alert').filter({ hasText: 'JOIN' }).first().waitFor();
    expect(await page.getByTestId('keywords').getByRole('listitem').count()).toBe(1);
    await screenshot(page, 'desktop-keywords');

    // On a phone the page fits the screen's width.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await rule.waitFor();
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-keywords');

    await rule.getByRole('button', { name: 'Delete JOIN' }).click();
    await page.getByTestId('keywords-empty').waitFor();
    await page.close();
  });
});
