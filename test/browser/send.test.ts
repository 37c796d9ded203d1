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

describe('send page: recipients from the address book, scheduled sends', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('adds a group and a found contact, schedules the send, and the dashboard lists recent campaigns', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signUp(page, t.server.url, uniqueEmail('send'));
    await page.evaluate(async () => {
      const me = (await (await fetch('/v1/me')).json()) as { csrfToken: string };
      const post = (path: string, body: unknown) =>
        fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
          body: JSON.stringify(body),
        }).then((r) => r.json() as Promise<{ id: string }>);
      const group = await post('/v1/groups', { name: 'Bakers' });
      await post('/v1/contacts', { phone: '+37120000301', firstName: 'Anna', groupIds: [group.id] });
      await post('/v1/contacts', { phone: '+37120000302', firstName: 'Juris', groupIds: [group.id] });
      await post('/v1/contacts', { phone: '+37120000303', firstName: 'Zelma' });
      await post('/v1/campaigns', {
        name: 'Spring news',
        text: 'Spring is here. Reply STOP to opt out',
        type: 'marketing',
        groupIds: [group.id],
      });
    });

    await page.goto(`${t.server.url}/send`);
    await page.getByLabel('Group', { exact: true }).selectOption({ label: 'Bakers (2)' });
    await page.getByRole('button', { name: 'Add the group' }).click();
    const recipients = page.getByLabel('Recipients');
    const numbers = async () => (await recipients.inputValue()).split('\n').sort();
    await expect.poll(numbers).toEqual(['+37120000301', '+37120000302']);
    await page.getByLabel('Find a contact').fill('zel');
    await page.getByRole('list', { name: 'Contacts found' }).getByRole('button', { name: 'Add' }).click();
    await expect.poll(numbers).toEqual(['+37120000301', '+37120000302', '+37120000303']);

    await page.getByLabel('Message').fill('Fresh bread at 7');
    const tomorrow = new Date(Date.now() + 24 * 3600_000);
    const local = new Date(tomorrow.getTime() - tomorrow.getTimezoneOffset() * 60_000)
      .toISOString()
      .slice(0, 16);
    await page.getByLabel('Send at (optional)').fill(local);
    await page.getByTestId('cost').waitFor();
    expect(await page.getByTestId('cost').textContent()).toMatch(/^3 recipients/);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-send-picker');
    await page.getByRole('button', { name: 'Schedule' }).click();
    await page.waitForURL(/\/messages\/scheduled$/);
    const statuses = await page.evaluate(async () => {
      const list = (await (await fetch('/v1/messages?limit=10')).json()) as {
        data: Array<{ status: string; to: string }>;
      };
      return list.data.map((m) => m.status);
    });
    expect(statuses).toEqual(['scheduled', 'scheduled', 'scheduled']);

    await page.goto(`${t.server.url}/`);
    await page.getByTestId('recent-campaigns').getByRole('link', { name: 'Spring news' }).waitFor();
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await page.close();
  });
});
