import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, startTestServer, type TestServer } from './helpers';

/** The error shown under the field labelled `label` (its aria-describedby), or null. */
async function fieldError(page: Page, label: string): Promise<string | null> {
  const input = page.getByLabel(label, { exact: true });
  const id = await input.getAttribute('aria-describedby');
  if (!id || (await input.getAttribute('aria-invalid')) !== 'true') return null;
  return page.locator(`[id="${id}"]`).textContent();
}

describe('forms show every field error next to its field, in plain words', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('sign-up with empty fields and a bad e-mail marks each field at once', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.server.url}/signup`);
    await page.getByLabel('E-mail').fill('not-an-address');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('.field-error').first().waitFor();
    expect(await fieldError(page, 'Company')).toBe('Must not be empty.');
    expect(await fieldError(page, 'Your name')).toBe('Must not be empty.');
    expect(await fieldError(page, 'E-mail')).toBe('Enter an e-mail address like name@example.com.');
    expect(await fieldError(page, 'Password')).toBe('Must not be empty.');
    expect(await page.locator('.form-error').count()).toBe(0);
    await screenshot(page, 'desktop-signup-errors');
    await page.close();
  });

  it('log in with nothing filled in says what each field needs', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.server.url}/login`);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('.field-error').first().waitFor();
    expect(await fieldError(page, 'E-mail')).toBe('Enter an e-mail address like name@example.com.');
    expect(await fieldError(page, 'Password')).toBe('Must not be empty.');
    await page.close();
  });
});
