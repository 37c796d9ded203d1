import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmscSimulator, startSmscSimulator } from '../../dev/smsc-simulator';
import { type ApiSession, staffLogin } from './api-session';
import { launchBrowser, screenshot, signUp, startTestServer, type TestServer, uniqueEmail } from './helpers';

const OPERATOR = { email: 'ops@example.com', password: 'Long-secret-4242' };

describe('contacts, groups, suppressions and the inbox in the browser', () => {
  let browser: Browser;
  let t: TestServer;
  let smsc: SmscSimulator | undefined;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer([OPERATOR]), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await smsc?.stop();
    await t?.close();
  });

  const contactRows = (page: Page) => page.getByRole('table', { name: 'Contacts' }).locator('tbody tr');
  const phoneField = (page: Page) => page.getByLabel('Phone', { exact: true });

  async function createContact(page: Page, c: { phone: string; first: string; last: string; email: string }) {
    await page.getByRole('link', { name: 'New contact' }).click();
    await page.getByRole('heading', { level: 1, name: 'New contact' }).waitFor();
    await phoneField(page).fill(c.phone);
    await page.getByLabel('First name').fill(c.first);
    await page.getByLabel('Last name').fill(c.last);
    await page.getByLabel('E-mail').fill(c.email);
    await page.getByLabel('Country').fill('lv');
    await page.getByLabel('Tags').fill('bakery, riga');
    await page.getByLabel('Loyalty tier').fill('gold');
    await page.getByRole('button', { name: 'Create contact' }).click();
    await page.waitForURL(/\/contacts$/);
  }

  it('creates, finds, edits, groups, suppresses and exports contacts', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const base = t.server.url;
    await signUp(page, base, uniqueEmail('contacts'));

    await page.goto(`${base}/groups`);
    await page.getByLabel('Group name').fill('VIP customers');
    await page.getByRole('button', { name: 'Create group' }).click();
    const group = page.getByTestId('groups').getByRole('listitem').filter({ hasText: 'VIP customers' });
    await group.getByText('0 members').waitFor();

    await page.goto(`${base}/contacts`);
    await page.getByText('No contacts found.').waitFor();
    // A custom field: a bad key comes back next to the key field, a good one joins the contact form.
    await page.getByText('Custom fields').click();
    await page.getByLabel('Field label').fill('Loyalty tier');
    await page.getByLabel('Key', { exact: true }).fill('Loyalty Tier');
    await page.getByRole('button', { name: 'Add field' }).click();
    await expect
      .poll(() => page.getByLabel('Key', { exact: true }).getAttribute('aria-invalid'))
      .toBe('true');
    await page.getByLabel('Key', { exact: true }).fill('loyalty_tier');
    await page.getByRole('button', { name: 'Add field' }).click();
    await page.getByTestId('contact-fields').getByText('Loyalty tier').waitFor();
    await createContact(page, {
      phone: '+37120000123',
      first: 'Jānis',
      last: 'Bērziņš',
      email: 'janis@example.com',
    });
    await createContact(page, {
      phone: '+37120000456',
      first: 'Anna',
      last: 'Ozola',
      email: 'anna@example.com',
    });
    await expect.poll(() => contactRows(page).count()).toBe(2);

    // The search box asks the server (debounced) and shows only the match.
    await page.getByLabel('Search').fill('Bērz');
    await expect.poll(() => contactRows(page).count()).toBe(1);
    expect(await contactRows(page).first().textContent()).toContain('+37120000123');
    expect(await contactRows(page).first().textContent()).toContain('bakery, riga');

    // Edit: an invalid number comes back from the server and sits next to the phone field.
    await page.getByRole('link', { name: 'Jānis Bērziņš' }).click();
    await page.getByRole('heading', { level: 1, name: 'Edit contact' }).waitFor();
    expect(await phoneField(page).inputValue()).toBe('+37120000123');
    expect(await page.getByLabel('Loyalty tier').inputValue()).toBe('gold');
    await phoneField(page).fill('12345');
    await page.getByRole('button', { name: 'Save contact' }).click();
    await expect.poll(() => phoneField(page).getAttribute('aria-invalid')).toBe('true');
    const phoneError = page.locator('.field', { has: phoneField(page) }).locator('.field-error');
    expect(await phoneError.textContent()).toMatch(/international format/);
    await screenshot(page, 'desktop-contact-phone-error');

    await phoneField(page).fill('+37120000124');
    await page.getByLabel('Last name').fill('Bērziņš-Kalniņš');
    await page.getByRole('button', { name: 'Save contact' }).click();
    await page.waitForURL(/\/contacts$/);
    await page.getByLabel('Search').fill('Jān');
    await expect.poll(() => contactRows(page).count()).toBe(1);
    expect(await contactRows(page).first().textContent()).toContain('+37120000124');

    // Add the selected contact to the group.
    await page.getByRole('checkbox', { name: 'Select Jānis Bērziņš-Kalniņš' }).check();
    await page.getByLabel('Add to group').selectOption({ label: 'VIP customers' });
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page
      .getByRole('status')
      .getByText(/Added 1 to VIP customers \(1 members\)/)
      .waitFor();
    await expect.poll(() => contactRows(page).first().textContent()).toContain('VIP customers');
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Group', { exact: true }).selectOption({ label: 'VIP customers' });
    await expect.poll(() => contactRows(page).count()).toBe(1);
    await page.getByLabel('Group', { exact: true }).selectOption({ label: 'All groups' });
    await expect.poll(() => contactRows(page).count()).toBe(2);

    // Delete, then undo.
    await page.getByRole('button', { name: 'Delete Anna Ozola' }).click();
    await expect.poll(() => contactRows(page).count()).toBe(1);
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(() => contactRows(page).count()).toBe(2);

    // Export CSV: the download holds the contacts as the server wrote them.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export CSV' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toMatch(/^id,phone,firstName,lastName,email,country/);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('fields.loyalty_tier');
    expect(csv).toContain('Bērziņš-Kalniņš');
    expect(csv).toContain('+37120000124');
    expect(csv).toContain('+37120000456');
    expect(download.suggestedFilename()).toBe('contacts.csv');

    // The suppression list: a server error next to the field, then a number on the list, then off it.
    await page.goto(`${base}/suppressions`);
    await page.getByLabel('Phone number').fill('not a phone');
    await page.getByRole('button', { name: 'Add to list' }).click();
    await expect.poll(() => page.getByLabel('Phone number').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Phone number').fill('+37120000999');
    await page.getByLabel('Reason').fill('Asked to stop');
    await page.getByLabel('Scope').selectOption('marketing');
    await page.getByRole('button', { name: 'Add to list' }).click();
    const entry = page.getByTestId('suppressions').getByRole('listitem');
    await expect.poll(() => entry.count()).toBe(1);
    expect(await entry.first().textContent()).toMatch(/\+37120000999.*marketing.*Asked to stop/);
    await page.getByRole('button', { name: 'Remove +37120000999' }).click();
    await page.getByText('The list is empty.').waitFor();
    await page.close();
  });

  it('shows a reply that arrived over SMPP in the inbox, grouped by number, and answers it', async () => {
    const base = t.server.url;
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signUp(page, base, uniqueEmail('inbox'));
    const me = (await page.evaluate(() => fetch('/v1/me').then((r) => r.json()))) as {
      account: { id: string };
    };

    // The operator connects a carrier (the SMPP simulator) and gives the account a number.
    smsc = await startSmscSimulator({ systemId: 'inbox', password: 'secret1' });
    const staff: ApiSession = await staffLogin(base, OPERATOR.email, OPERATOR.password);
    const route = await staff.call<{ id: string }>('POST', '/v1/admin/routes', {
      name: 'carrier',
      type: 'smpp',
      config: { host: '127.0.0.1', port: smsc.port, systemId: 'inbox', password: 'secret1' },
    });
    expect(route.status).toBe(201);
    const number = await staff.call('POST', '/v1/admin/numbers', {
      number: '+37120000001',
      accountId: me.account.id,
    });
    expect(number.status).toBe(201);
    await expect
      .poll(
        async () =>
          (await staff.call<{ connectedBinds: number }>('GET', `/v1/admin/routes/${route.body.id}/health`))
            .body.connectedBinds,
        { timeout: 20_000 },
      )
      .toBe(1);
    for (const text of ['Is my table booked?', 'Make it 4 people please']) {
      expect(await smsc.sendMo('37126000001', '37120000001', text)).toEqual([0]);
    }
    expect(await smsc.sendMo('37126000002', '37120000001', 'STOPP')).toEqual([0]);

    await page.goto(`${base}/inbox`);
    const conversations = page.getByTestId('conversations').getByRole('listitem');
    await expect.poll(() => conversations.count(), { timeout: 20_000 }).toBe(2);
    // Latest first: the second sender wrote last.
    expect(await conversations.nth(0).textContent()).toContain('+37126000002');
    expect(await conversations.nth(1).textContent()).toMatch(/\+37126000001.*2 messages.*Make it 4 people/);

    await page.getByRole('link', { name: '+37126000001' }).click();
    const conversation = page.getByTestId('conversation');
    await conversation.getByText('Is my table booked?').waitFor();
    await conversation.getByText('Make it 4 people please').waitFor();
    await page.getByLabel('Reply to +37126000001').fill('Booked for 4 at 19:00.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByRole('status').getByText('Reply sent.').waitFor();
    const sent = (await page.evaluate(() => fetch('/v1/messages').then((r) => r.json()))) as {
      data: Array<{ to: string; text: string }>;
    };
    expect(sent.data[0]).toMatchObject({ to: '+37126000001', text: 'Booked for 4 at 19:00.' });
    await screenshot(page, 'desktop-inbox');
    await page.close();
  });
});
