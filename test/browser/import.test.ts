import { readFileSync } from 'node:fs';
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

const CSV = [
  'Mobile,First Name,Surname,Email,Favourite colour',
  '+37120000101,Anna,Ozola,anna@example.com,blue',
  '+37120000102,Jānis,Bērziņš,janis@example.com,green',
  'call me maybe,Broken,Row,broken@example.com,red',
  '+37120000103,Līga,Kalniņa,liga@example.com,yellow',
].join('\n');

describe('contact import wizard', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('imports a CSV (preview, mapping, progress, error report), then sends a campaign to it until 100 %', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signUp(page, t.server.url, uniqueEmail('import'));
    await page.goto(`${t.server.url}/groups`);
    await page.getByLabel('Group name').fill('Imported');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.getByTestId('groups').getByText('0 members').waitFor();

    await page.goto(`${t.server.url}/contacts`);
    await page.getByRole('link', { name: 'Import' }).click();
    await page.getByRole('heading', { level: 1, name: 'Import contacts' }).waitFor();
    await page.getByLabel('CSV or Excel (XLSX) file').setInputFiles({
      name: 'customers.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(CSV),
    });
    await page.getByRole('button', { name: 'Preview' }).click();

    // The server's guess fills the mapping; the unknown column stays out.
    const column = (name: string) => page.getByRole('combobox', { name: new RegExp(`^Column ${name}`) });
    await column('Mobile').waitFor();
    expect(await column('Mobile').inputValue()).toBe('phone');
    expect(await column('First Name').inputValue()).toBe('firstName');
    expect(await column('Surname').inputValue()).toBe('lastName');
    expect(await column('Email').inputValue()).toBe('email');
    expect(await column('Favourite colour').inputValue()).toBe('');
    await column('Favourite colour').selectOption('tags');
    await page.getByLabel('Add the contacts to a group').selectOption({ label: 'Imported' });
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-import-mapping');
    await page.getByRole('button', { name: 'Start import' }).click();

    await page.waitForURL(/\/contacts\/import\?id=/);
    await expect
      .poll(() => page.getByTestId('import-status').textContent(), { timeout: 30_000 })
      .toMatch(/^completed 4 of 4 rows processed/);
    expect(await page.getByLabel('Progress').getAttribute('value')).toBe('100');
    const stats = await page.getByTestId('import-progress').locator('.stats').textContent();
    expect(stats).toContain('Imported3');
    expect(stats).toContain('Refused1');
    expect(await page.getByTestId('import-errors').textContent()).toMatch(/Row \d/);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-import-progress');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download the error report' }).click(),
    ]);
    const report = readFileSync(await download.path(), 'utf8');
    expect(report.split(/\r?\n/)[0]).toMatch(/row/i);
    expect(report).toMatch(/call me maybe|phone/i);

    await page.getByRole('link', { name: 'See the contacts' }).click();
    await page.getByLabel('Group', { exact: true }).selectOption({ label: 'Imported' });
    const rows = page.getByRole('table', { name: 'Contacts' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.filter({ hasText: 'Līga Kalniņa' }).textContent()).toContain('yellow');

    // The imported group is the audience of a campaign, followed until every message is handed over.
    await page.goto(`${t.server.url}/campaigns`);
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByLabel('Campaign name').fill('Imported customers');
    await page
      .getByLabel('Text', { exact: true })
      .fill('Hi {{first_name|there}}, your loyalty card is ready. Reply STOP to opt out');
    await page.getByRole('checkbox', { name: /Imported/ }).check();
    await page.getByLabel(/Quiet hours/).selectOption('none');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL(/\/campaigns\/cmp_/);
    await page.getByRole('button', { name: 'Preview cost' }).click();
    await page.getByTestId('campaign-preview').getByText('Hi Anna, your loyalty card').waitFor();
    await page.getByRole('button', { name: 'Start campaign' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start campaign' }).click();
    await expect
      .poll(() => page.getByLabel('Handed to carriers').getAttribute('value'), { timeout: 30_000 })
      .toBe('100');
    await expect
      .poll(() => page.getByTestId('campaign-stats').textContent(), { timeout: 30_000 })
      .toMatch(/Recipients3/);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-import-campaign-done');
    await page.close();
  });
});
