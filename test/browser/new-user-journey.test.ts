import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailedLink } from '../helpers/server-process';
import {
  launchBrowser,
  screenshot,
  scrollWidth,
  startTestServer,
  type TestServer,
  uniqueEmail,
} from './helpers';

/**
 * Issue 15's "done when", in one go and only through the pages: a new user signs up, confirms the
 * e-mail through the mailed link, sends a first message and sees it delivered, imports a small list
 * into a new group, runs a campaign to it and reads its figures, then schedules a send for tomorrow and
 * cancels it from the Scheduled page. Every step is asserted on what the page shows.
 */
const CSV = [
  'Mobile,First Name,Surname',
  '+37120000701,Anna,Ozola',
  '+37120000702,Jānis,Bērziņš',
  '+37120000703,Līga,Kalniņa',
].join('\n');

/** A `datetime-local` value for the browser's own clock. */
function localInput(date: Date): string {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** Waits until the page's text for `testId` matches, allowing the simulator's delivery reports time. */
async function shows(page: Page, testId: string, pattern: RegExp, timeout = 30_000) {
  await expect.poll(() => page.getByTestId(testId).textContent(), { timeout }).toMatch(pattern);
}

describe("a new user's journey, from sign-up to a cancelled scheduled send", () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('signs up, confirms the e-mail, sends, imports, runs a campaign and cancels a scheduled send', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const base = t.server.url;
    const email = uniqueEmail('journey');

    // Sign-up.
    await page.goto(`${base}/signup`);
    await page.getByLabel('Company').fill('Kalniņa Flowers');
    await page.getByLabel('Your name').fill('Līga');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password', { exact: true }).fill('a-long-secret-1');
    const country = page.getByLabel('Country of your business');
    await country.locator('option[value="LV"]').waitFor({ state: 'attached' });
    await country.selectOption('LV');
    await page.getByRole('checkbox', { name: /privacy policy/ }).check();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(/\/\?welcome=1$/);
    await page.getByTestId('verify-banner').waitFor();

    // The mailed link, opened in the same browser, confirms the address and unlocks the free credits.
    await expect.poll(() => mailedLink(t.dataDir, email), { timeout: 5_000 }).toMatch(/verify-email/);
    const link = new URL(mailedLink(t.dataDir, email));
    await page.goto(`${base}${link.pathname}${link.search}`);
    await page.getByRole('button', { name: 'Confirm my e-mail' }).click();
    await page.getByRole('status').filter({ hasText: 'confirmed' }).waitFor();
    await page.getByRole('link', { name: 'Go to the dashboard' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    expect(await page.getByTestId('verify-banner').count()).toBe(0);

    // The first message: the form asks who it is from, then the message page follows it to delivered.
    await page.getByRole('link', { name: 'Send', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Send an SMS' }).waitFor();
    await page.getByLabel('Recipients').fill('20000700');
    await page.getByLabel('Message').fill('Your tulips are ready for pick-up.');
    const ask = page.getByRole('group', { name: 'Who is it from?' });
    expect(await ask.getByLabel('Sender', { exact: true }).inputValue()).toBe('Kalnina');
    await shows(page, 'cost', /^1 recipient × 1 part = 0\.05 credits$/, 10_000);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/\/messages\/msg_/);
    await shows(page, 'message-status', /^delivered$/);
    expect(await page.getByText('+37120000700').first().isVisible()).toBe(true);
    expect(await page.locator('.timeline').textContent()).toMatch(/queued.*sent.*delivered/s);
    await screenshot(page, 'journey-first-message');

    // A small list into a new group, made inside the import wizard.
    await page.getByRole('link', { name: 'Imports' }).click();
    await page.getByRole('heading', { level: 1, name: 'Import contacts' }).waitFor();
    await page.getByLabel('CSV or Excel (XLSX) file').setInputFiles({
      name: 'customers.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(CSV),
    });
    await page.getByRole('button', { name: 'Preview' }).click();
    const column = (name: string) => page.getByRole('combobox', { name: new RegExp(`^Column ${name}`) });
    await expect.poll(() => column('Mobile').inputValue()).toBe('phone');
    await page.getByRole('button', { name: 'New group' }).click();
    await page.getByLabel('New group name').fill('Spring customers');
    await page.getByLabel('New group name').press('Enter');
    await expect
      .poll(() => page.getByLabel('Add the contacts to a group').locator('option:checked').textContent())
      .toBe('Spring customers');
    await page.getByRole('button', { name: 'Start import' }).click();
    await shows(page, 'import-status', /^completed 3 of 3 rows processed/);
    expect(await page.getByTestId('import-progress').locator('.stats').textContent()).toMatch(
      /Imported3.*Refused0/,
    );
    await page.getByRole('link', { name: 'See the contacts' }).click();
    await page.getByLabel('Group', { exact: true }).selectOption({ label: 'Spring customers' });
    const contactRows = page.getByRole('table', { name: 'Contacts' }).locator('tbody tr');
    await expect.poll(() => contactRows.count()).toBe(3);
    expect(await contactRows.filter({ hasText: 'Jānis Bērziņš' }).textContent()).toContain('+37120000702');

    // A campaign to that group, started after a confirmation; its figures reach every recipient.
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByLabel('Campaign name').fill('Spring bouquets');
    await page
      .getByLabel('Text', { exact: true })
      .fill('Hi {{first_name|there}}, spring bouquets are in. Reply STOP to opt out');
    await page.getByRole('checkbox', { name: /Spring customers/ }).check();
    await page.getByLabel(/Quiet hours/).selectOption('none');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL(/\/campaigns\/cmp_/);
    await page.getByRole('button', { name: 'Start campaign' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start campaign' }).click();
    await shows(page, 'campaign-progress-text', /^100 % \(3 of 3\)$/);
    await shows(page, 'campaign-stats', /Recipients3.*Delivered3/);
    expect(await page.getByTestId('campaign-stats').textContent()).toMatch(/Waiting0/);
    await screenshot(page, 'journey-campaign-figures');

    // A send for tomorrow waits on the Scheduled page, and is cancelled there.
    await page.getByRole('link', { name: 'Send', exact: true }).click();
    await page.getByLabel('Recipients').fill('+37120000799');
    await page.getByLabel('Message').fill('Reminder: your order is ready tomorrow.');
    const tomorrow = new Date(Date.now() + 24 * 3600_000);
    await page.getByLabel('Send at (optional)').fill(localInput(tomorrow));
    await shows(page, 'cost', /^1 recipient × 1 part = 0\.05 credits$/, 10_000);
    await page.getByRole('button', { name: 'Schedule' }).click();
    await page.waitForURL(/\/messages\/scheduled$/);
    const table = page.getByRole('table', { name: 'Scheduled sends' });
    const row = table.getByRole('row').filter({ hasText: '+37120000799' });
    await row.waitFor();
    // When it goes, as a local time: tomorrow's date, not an ISO stamp.
    const day = await page.evaluate((ms) => new Date(ms).toLocaleDateString(), tomorrow.getTime());
    expect(await row.textContent()).toContain(day);
    await row.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel the send' }).click();
    await page.getByRole('status').filter({ hasText: 'Cancelled' }).waitFor();
    await page.getByTestId('scheduled-empty').waitFor();
    expect(await scrollWidth(page)).toBeLessThanOrEqual(1280);

    // The log says so too: the cancelled send is listed as cancelled, beside the delivered ones.
    await page.getByRole('link', { name: 'Messages', exact: true }).click();
    const log = page.getByRole('table', { name: 'Messages' });
    await expect
      .poll(() => log.getByRole('row').filter({ hasText: '+37120000799' }).textContent())
      .toContain('cancelled');
    await expect.poll(() => log.locator('tbody tr').count()).toBe(5);
    await page.close();
  });
});
