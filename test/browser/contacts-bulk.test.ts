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

describe('contacts: count, sort, select all matching, and the import wizard making a group and a field', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const rows = (page: Page) => page.getByRole('table', { name: 'Contacts' }).locator('tbody tr');
  const firstName = (page: Page) => rows(page).first().locator('td').nth(1).textContent();

  it('sorts by a column, selects all contacts of a filter across pages and adds them to a group', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const base = t.server.url;
    await signUp(page, base, uniqueEmail('bulk'));
    const group = await apiCall<{ id: string }>(page, 'POST', '/v1/groups', { name: 'Newsletter' });
    // 60 contacts, more than a page: names C00…C59 created out of order, phone numbers the other way round.
    for (let k = 0; k < 60; k++) {
      const i = (k * 7) % 60;
      await apiCall(page, 'POST', '/v1/contacts', {
        phone: `+37120000${String(100 + 59 - i)}`,
        firstName: `C${String(i).padStart(2, '0')}`,
        lastName: 'Test',
        tags: i < 55 ? ['riga'] : ['cesis'],
      });
    }

    await page.goto(`${base}/contacts`);
    await page.getByTestId('contact-count').getByText('60 contacts').waitFor();
    await expect.poll(() => rows(page).count()).toBe(50);

    // Sorting: by name ascending, then descending; by phone (ascending numbers = descending names here).
    const nameHeader = page.getByRole('columnheader', { name: /Name/ });
    await page.getByRole('button', { name: /^Name/ }).click();
    await expect.poll(() => firstName(page)).toBe('C00 Test');
    expect(await nameHeader.getAttribute('aria-sort')).toBe('ascending');
    await page.getByRole('button', { name: /^Name/ }).click();
    await expect.poll(() => firstName(page)).toBe('C59 Test');
    expect(await nameHeader.getAttribute('aria-sort')).toBe('descending');
    await page.getByRole('button', { name: /^Phone/ }).click();
    await expect.poll(() => rows(page).first().locator('td').nth(2).textContent()).toBe('+37120000100');
    expect(await nameHeader.getAttribute('aria-sort')).toBe('none');
    // The next page continues in the same order.
    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(() => rows(page).count()).toBe(60);
    expect(await rows(page).last().locator('td').nth(2).textContent()).toBe('+37120000159');
    await page.getByRole('button', { name: /^Name/ }).click();
    await expect.poll(() => firstName(page)).toBe('C00 Test');

    // Filter by tag: 55 match, 50 are shown; select them, then every one of the 55.
    await page.getByLabel('Tag').fill('riga');
    await page.getByTestId('contact-count').getByText('55 contacts match the filter').waitFor();
    await expect.poll(() => rows(page).count()).toBe(50);
    await page.getByRole('checkbox', { name: 'Select all shown' }).check();
    await page.getByTestId('selection').getByText('50 selected').waitFor();
    await page.getByRole('button', { name: 'Select all 55 matching' }).click();
    await page.getByTestId('selection').getByText('All 55 matching selected').waitFor();
    await page.getByLabel('Add to group').selectOption({ label: 'Newsletter' });
    await screenshot(page, 'desktop-contacts-select-all-matching');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('status').getByText('Added 55 contacts to Newsletter.').waitFor();
    const count = await apiCall<{ total: number }>(page, 'GET', `/v1/contacts/count?groupId=${group.id}`);
    expect(count.total).toBe(55);
    const cesis = await apiCall<{ data: Array<{ groupIds: string[] }> }>(
      page,
      'GET',
      '/v1/contacts?tag=cesis',
    );
    expect(cesis.data.every((c) => c.groupIds.length === 0)).toBe(true);

    // Within the group, "select all matching" offers removing them from it.
    await page.getByLabel('Tag').fill('');
    await page.getByLabel('Group', { exact: true }).selectOption({ label: 'Newsletter' });
    await page.getByTestId('contact-count').getByText('55 contacts match the filter').waitFor();
    await page.getByLabel('Search').fill('C0');
    await page.getByTestId('contact-count').getByText('10 contacts match the filter').waitFor();
    await page.getByRole('checkbox', { name: 'Select all shown' }).check();
    // All ten are shown: there is nothing more to select.
    await page.getByTestId('selection').getByText('10 selected').waitFor();
    expect(await page.getByRole('button', { name: /Select all .* matching/ }).count()).toBe(0);
    await page.getByRole('button', { name: 'Remove from Newsletter' }).click();
    await page
      .getByRole('status')
      .getByText(/Removed 10 from Newsletter \(45 members\)/)
      .waitFor();
    await page.close();

    // The same page on a phone: the table scrolls inside its frame, the page does not.
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signUp(phone, base, uniqueEmail('bulk-phone'));
    for (let i = 0; i < 3; i++) {
      await apiCall(phone, 'POST', '/v1/contacts', { phone: `+3712100010${i}`, firstName: `Phone ${i}` });
    }
    await phone.goto(`${base}/contacts`);
    await phone.getByTestId('contact-count').getByText('3 contacts').waitFor();
    await phone.getByRole('checkbox', { name: 'Select all shown' }).check();
    await phone.getByTestId('selection').getByText('3 selected').waitFor();
    expect(await scrollWidth(phone)).toBeLessThanOrEqual(390);
    await screenshot(phone, 'phone-contacts-selection');
    await phone.close();
  });

  it('creates a group and a custom field from inside the import wizard; a bad e-mail is a warning', async () => {
    for (const [label, viewport] of [
      ['phone', { width: 390, height: 844 }],
      ['desktop', { width: 1280, height: 800 }],
    ] as const) {
      const page = await browser.newPage({ viewport });
      const base = t.server.url;
      await signUp(page, base, uniqueEmail(`wizard-${label}`));
      await page.goto(`${base}/contacts/import`);
      await page.getByLabel('CSV or Excel (XLSX) file').setInputFiles({
        name: 'fair.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(
          [
            'Mobile,First Name,Email,Loyalty Tier',
            '+37120000301,Anna,anna@example.com,gold',
            '+37120000302,Jānis,janis(at)example.com,silver',
            'not a phone,Broken,broken@example.com,bronze',
          ].join('\n'),
        ),
      });
      await page.getByRole('button', { name: 'Preview' }).click();
      const column = (name: string) => page.getByRole('combobox', { name: new RegExp(`^Column ${name}`) });
      await column('Loyalty Tier').waitFor();
      expect(await column('Loyalty Tier').inputValue()).toBe('');

      // A custom field for the Loyalty Tier column, made here; the column is then mapped to it.
      await column('Loyalty Tier').selectOption({ label: 'New custom field…' });
      expect(await page.getByLabel('Field key').inputValue()).toBe('loyalty_tier');
      await screenshot(page, `${label}-import-new-field-form`);
      await page.getByLabel('Field type').selectOption('text');
      await page.getByRole('button', { name: 'Create field' }).click();
      await expect.poll(() => column('Loyalty Tier').inputValue()).toBe('fields.loyalty_tier');

      // A new group, made here and chosen at once.
      await page.getByRole('button', { name: 'New group' }).click();
      await page.getByLabel('New group name').fill('Spring fair');
      await page.getByLabel('New group name').press('Enter');
      await expect
        .poll(() => page.getByLabel('Add the contacts to a group').locator('option:checked').textContent())
        .toBe('Spring fair');
      // Enter made the group and did not start the import.
      expect(page.url()).not.toMatch(/\?id=/);
      expect(await scrollWidth(page)).toBeLessThanOrEqual(viewport.width);
      await screenshot(page, `${label}-import-new-group-and-field`);

      await page.getByRole('button', { name: 'Start import' }).click();
      await page.waitForURL(/\/contacts\/import\?id=/);
      await expect
        .poll(() => page.getByTestId('import-status').textContent(), { timeout: 30_000 })
        .toMatch(/^completed 3 of 3 rows processed/);
      const stats = await page.getByTestId('import-progress').locator('.stats').textContent();
      expect(stats).toContain('Imported2');
      expect(stats).toContain('Refused1');
      expect(stats).toContain('Warnings1');
      expect(await page.getByTestId('import-warnings').textContent()).toContain(
        'Row 3, Email: not a valid e-mail address: imported without it',
      );
      expect(await scrollWidth(page)).toBeLessThanOrEqual(viewport.width);
      await screenshot(page, `${label}-import-warnings`);

      const groups = await apiCall<{ data: Array<{ id: string; name: string; memberCount: number }> }>(
        page,
        'GET',
        '/v1/groups',
      );
      expect(groups.data.map((g) => [g.name, g.memberCount])).toEqual([['Spring fair', 2]]);
      const contacts = await apiCall<{
        data: Array<{ firstName: string; email: string | null; fields: object }>;
      }>(page, 'GET', `/v1/contacts?groupId=${groups.data[0]!.id}&sort=name`);
      expect(contacts.data).toMatchObject([
        { firstName: 'Anna', email: 'anna@example.com', fields: { loyalty_tier: 'gold' } },
        { firstName: 'Jānis', email: null, fields: { loyalty_tier: 'silver' } },
      ]);
      await page.close();
    }
  });
});
