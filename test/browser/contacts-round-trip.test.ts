import { readFileSync } from 'node:fs';
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

/** Calls the API from the page, with its session cookie and CSRF token. */
async function apiCall<T>(page: Page, method: string, path: string, body?: unknown): Promise<T> {
  return page.evaluate(
    async ({ method, path, body }) => {
      const me = (await fetch('/v1/me').then((r) => r.json())) as { csrfToken: string };
      const r = await fetch(path, {
        method,
        headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
        body: body === undefined ? null : JSON.stringify(body),
      });
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${await r.text()}`);
      return r.json();
    },
    { method, path, body },
  ) as Promise<T>;
}

/**
 * Issue 15, item 5, in the browser: the contacts page's CSV export (phone cells behind the formula
 * guard's `'`, groups by name) goes back in through the import wizard of another account unchanged,
 * the groups it names made on the way.
 */
describe('contacts export → import round trip in the browser', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('imports its own CSV export: every row, the guard stripped, the groups made by name', async () => {
    const base = t.server.url;
    const from = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signUp(from, base, uniqueEmail('export'));
    const regulars = await apiCall<{ id: string }>(from, 'POST', '/v1/groups', { name: 'Regulars' });
    const club = await apiCall<{ id: string }>(from, 'POST', '/v1/groups', { name: 'Bakery club' });
    await apiCall(from, 'POST', '/v1/contacts', {
      phone: '+37120000801',
      firstName: 'Anna',
      lastName: 'Ozola',
      email: 'anna@example.com',
      groupIds: [regulars.id, club.id],
    });
    await apiCall(from, 'POST', '/v1/contacts', {
      phone: '+37120000802',
      firstName: 'Jānis',
      lastName: 'Bērziņš',
      groupIds: [regulars.id],
    });
    await from.goto(`${base}/contacts`);
    await from.getByText('2 contacts').waitFor();
    const [download] = await Promise.all([
      from.waitForEvent('download'),
      from.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8');
    // What once made the import refuse every row: the guarded phone cells, and groups that were ids.
    expect(csv).toContain("'+37120000801");
    expect(csv.split(/\r?\n/)[0]?.split(',')).toContain('groups');
    expect(csv).toContain('Regulars;Bakery club');

    const to = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await signUp(to, base, uniqueEmail('import'));
    await to.goto(`${base}/contacts/import`);
    await to.getByLabel('CSV or Excel (XLSX) file').setInputFiles({
      name: 'contacts.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(csv),
    });
    await to.getByRole('button', { name: 'Preview' }).click();
    const column = (name: string) => to.getByRole('combobox', { name: new RegExp(`^Column ${name}\\b`) });
    await expect.poll(() => column('phone').inputValue()).toBe('phone');
    expect(await column('groups').inputValue()).toBe('groups');
    const create = to.getByRole('checkbox', { name: /Create the groups the file names/ });
    expect(await create.isChecked()).toBe(true);
    expect(await scrollWidth(to)).toBeLessThanOrEqual(390);
    await screenshot(to, 'phone-import-own-export');
    await to.getByRole('button', { name: 'Start import' }).click();
    await expect
      .poll(() => to.getByTestId('import-status').textContent(), { timeout: 30_000 })
      .toMatch(/^completed 2 of 2 rows processed/);
    expect(await to.getByTestId('import-progress').locator('.stats').textContent()).toMatch(
      /Imported2.*Refused0/,
    );

    // The contacts page of the importing account shows them under the groups of the file.
    await to.getByRole('link', { name: 'See the contacts' }).click();
    await to.getByLabel('Group', { exact: true }).selectOption({ label: 'Bakery club' });
    const rows = to.getByRole('table', { name: 'Contacts' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toMatch(/Anna Ozola.*\+37120000801/);
    await to.getByLabel('Group', { exact: true }).selectOption({ label: 'Regulars' });
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.filter({ hasText: 'Jānis Bērziņš' }).textContent()).toContain('+37120000802');
    expect((await rows.allTextContents()).join(' ')).not.toContain("'+");
    await from.close();
    await to.close();
  });
});
