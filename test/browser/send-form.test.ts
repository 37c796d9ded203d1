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

/** The account's messages and balance, read through the API with the page's session. */
async function state(page: Page) {
  return page.evaluate(async () => {
    const list = (await (await fetch('/v1/messages?limit=50')).json()) as {
      data: Array<{ id: string; to: string; status: string }>;
    };
    const balance = (await (await fetch('/v1/balance')).json()) as { credits: number; reserved: number };
    return { messages: list.data, balance: { credits: balance.credits, reserved: balance.reserved } };
  });
}

function localInput(date: Date): string {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

describe('send form: invalid recipients, scheduled sends and their cancellation', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('shows each invalid recipient with its reason, prices only the valid ones, and will not send them silently', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signUp(page, t.server.url, uniqueEmail('recipients'));
    await page.goto(`${t.server.url}/send`);
    // A number written with spaces is one recipient; commas, semicolons and new lines separate.
    await page.getByLabel('Recipients').fill('+37120000301, +371 26 123 456; nonsense\n+3712');
    await page.getByLabel('Message').fill('Fresh bread at 7');

    const invalid = page.getByRole('list', { name: 'Invalid recipients' });
    await invalid.waitFor();
    const items = await invalid.getByRole('listitem').allTextContents();
    expect(items).toHaveLength(2);
    expect(items[0]).toMatch(/^nonsense\b.+/);
    expect(items[1]).toMatch(/^\+3712\b.+/);
    await expect
      .poll(async () => page.getByTestId('cost').textContent())
      .toMatch(/^2 recipients × 1 part = 0\.1 credits/);
    expect(await page.getByTestId('cost').textContent()).toMatch(/2 invalid/);
    await screenshot(page, 'desktop-send-invalid-recipients');

    // Send does not drop them without a word: it refuses and says why.
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'not valid' });
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/2 recipients are not valid/);
    expect(page.url()).toMatch(/\/send$/);
    expect((await state(page)).messages).toEqual([]);

    await page.getByRole('button', { name: 'Remove the invalid recipients' }).click();
    expect(await page.getByLabel('Recipients').inputValue()).toBe('+37120000301\n+371 26 123 456');
    await invalid.waitFor({ state: 'detached' });
    await expect
      .poll(async () => page.getByTestId('cost').textContent())
      .toMatch(/^2 recipients × 1 part = 0\.1 credits$/);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/\/messages$/);
    const sent = await state(page);
    expect(sent.messages.map((m) => m.to).sort()).toEqual(['+37120000301', '+37126123456']);
    await page.close();
  });

  it('a sender the destination country does not take is refused under the sender field, naming the rule', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signUp(page, t.server.url, uniqueEmail('sender-rule'));
    await page.goto(`${t.server.url}/send`);
    await page.getByLabel('Recipients').fill('+919812345678');
    await page.getByLabel('Message').fill('Your order has shipped');
    await page.getByLabel(/^Sender/).fill('AcmeShop');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'IN: registration required' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/not a registered sender id/);
    expect(page.url()).toMatch(/\/send$/);
    expect((await state(page)).messages).toEqual([]);
    await page.close();
  });

  it('a scheduled send is listed with a Cancel button; cancelling asks first, then releases the credits', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signUp(page, t.server.url, uniqueEmail('scheduled'));
    await page.goto(`${t.server.url}/send`);
    await page.getByLabel('Recipients').fill('+37120000401\n+37120000402');
    await page.getByLabel('Message').fill('See you on Friday');
    await page.getByLabel('Send at (optional)').fill(localInput(new Date(Date.now() + 3 * 24 * 3600_000)));
    await page.getByTestId('cost').waitFor();
    await page.getByRole('button', { name: 'Schedule' }).click();

    // Scheduling leads to the scheduled sends, not to a page polling for days.
    await page.waitForURL(/\/messages\/scheduled$/);
    const table = page.getByRole('table', { name: 'Scheduled sends' });
    await table.waitFor();
    await expect.poll(async () => table.getByRole('row').count()).toBe(3);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-scheduled-sends');
    expect((await state(page)).balance).toEqual({ credits: 10, reserved: 0.1 });

    const row = table.getByRole('row').filter({ hasText: '+37120000401' });
    await row.getByRole('button', { name: 'Cancel' }).click();
    const confirm = page.getByRole('alertdialog');
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('+37120000401');
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-scheduled-cancel-confirm');
    // Changing one's mind keeps the send.
    await confirm.getByRole('button', { name: 'Keep it' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect((await state(page)).messages.every((m) => m.status === 'scheduled')).toBe(true);

    await row.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Cancel the send' }).click();
    await page.getByRole('status').filter({ hasText: 'Cancelled' }).waitFor();
    await expect.poll(async () => table.getByRole('row').count()).toBe(2);
    const after = await state(page);
    const byTo = Object.fromEntries(after.messages.map((m) => [m.to, m]));
    expect(byTo['+37120000401']?.status).toBe('cancelled');
    expect(byTo['+37120000402']?.status).toBe('scheduled');
    expect(after.balance).toEqual({ credits: 10, reserved: 0.05 });

    // The remaining send's page says when it goes and does not poll "until the final status".
    await table.getByRole('link', { name: '+37120000402' }).click();
    await page.getByTestId('message-status').waitFor();
    expect(await page.getByText(/Scheduled for/).count()).toBe(1);
    expect(await page.getByText('Updating until the final status').count()).toBe(0);
    await page.close();
  });
});
