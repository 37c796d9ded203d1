import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver';
import { launchBrowser, screenshot, signUp, startTestServer, type TestServer, uniqueEmail } from './helpers';

describe('the webhook console and simulated replies, on a fresh install', () => {
  let browser: Browser;
  let t: TestServer;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    [t, browser, receiver] = await Promise.all([
      startTestServer([], { WEBHOOK_ALLOW_PRIVATE: 'true' }),
      launchBrowser(),
      startWebhookReceiver(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await receiver?.close();
    await t?.close();
  });

  it('sends a test event, shows the attempt (escaped), redelivers, and lists the attempts', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const base = t.server.url;
    await signUp(page, base, uniqueEmail('hooks'));
    await page.goto(`${base}/developers`);
    await page.getByLabel('Endpoint URL').fill(`${receiver.url}/hooks`);
    await page.getByRole('checkbox', { name: 'message.received' }).check();
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByRole('button', { name: 'Deliveries' }).click();

    // The receiver is broken and answers markup: it is shown as text, never run.
    const markup = '<img src=x onerror="alert(1)"><b>receiver down</b>';
    receiver.respondNext({ status: 500, body: markup, contentType: 'text/html' });
    await page.getByRole('button', { name: 'Send test event' }).click();
    const result = page.getByTestId('test-result');
    await result.waitFor();
    expect(await result.textContent()).toContain('not accepted');
    expect(await result.textContent()).toContain('HTTP 500');
    expect(await result.getByTestId('excerpt').textContent()).toBe(markup);
    expect(await page.locator('.deliveries img').count()).toBe(0);
    expect(receiver.received).toHaveLength(1);
    const eventId = receiver.received[0]!.headers['webhook-id'];
    expect(JSON.parse(receiver.received[0]!.body).type).toBe('webhook.test');

    // The delivery is listed; fixed, the receiver gets it again with the same webhook-id.
    const delivery = page.getByTestId('delivery').filter({ hasText: 'webhook.test' });
    await delivery.waitFor();
    expect(await delivery.textContent()).toContain('failed');
    receiver.respondNext({ status: 200, body: 'thanks' });
    await delivery.getByRole('button', { name: 'Redeliver' }).click();
    await delivery.getByRole('status').filter({ hasText: 'Redelivered.' }).waitFor();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.headers['webhook-id']).toBe(eventId);
    await expect.poll(() => delivery.textContent()).toContain('delivered');

    await delivery.getByRole('button', { name: 'Attempts' }).click();
    const attempts = delivery.getByRole('list', { name: 'Attempts of webhook.test' }).getByTestId('attempt');
    await expect.poll(() => attempts.count()).toBe(2);
    expect(await attempts.nth(0).textContent()).toMatch(/HTTP 200.*redelivery/);
    expect(await attempts.nth(0).textContent()).toContain('thanks');
    expect(await attempts.nth(1).textContent()).toMatch(/HTTP 500.*test event/);
    expect(dialogs).toEqual([]);
    await screenshot(page, 'desktop-webhook-console');

    // A binary answer is a note, not mojibake.
    receiver.respondNext({
      status: 200,
      body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]),
      contentType: 'image/png',
    });
    await page.getByRole('button', { name: 'Send test event' }).click();
    await result.filter({ hasText: 'Binary response (7 bytes), not shown.' }).waitFor();
    await page.close();
  });

  it('simulates a reply that reaches the Inbox, and a STOP that adds a suppression', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const base = t.server.url;
    await signUp(page, base, uniqueEmail('replies'));
    const phone = '+37120000077';
    await page.goto(`${base}/send`);
    await page.getByLabel('Recipients').fill(phone);
    await page.getByLabel('Message').fill('Your table for two is booked for 19:00');
    await expect.poll(() => page.getByTestId('cost').textContent(), { timeout: 10_000 }).toMatch(/credits/);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/\/messages\/msg_/);
    const messageUrl = page.url();
    await page.getByTestId('simulated-notice').waitFor();

    await page.getByRole('button', { name: 'Simulate a reply' }).click();
    await page.getByLabel(`Reply from ${phone}`).fill('Great, see you then!');
    await page.getByRole('button', { name: 'Send the reply' }).click();
    await page.getByRole('status').filter({ hasText: 'Reply received.' }).waitFor();
    await page.getByRole('link', { name: 'Open it in the Inbox' }).click();
    await page.waitForURL(/\/inbox\?from=/);
    const conversation = page.getByTestId('conversation');
    await conversation.getByText('Great, see you then!').waitFor();
    expect(await conversation.getByRole('heading').textContent()).toBe(phone);
    await screenshot(page, 'phone-simulated-reply-inbox');

    await page.goto(messageUrl);
    await page.getByRole('button', { name: 'Simulate a reply' }).click();
    await page.getByLabel(`Reply from ${phone}`).fill('STOP');
    await page.getByRole('button', { name: 'Send the reply' }).click();
    await page.getByRole('status').filter({ hasText: 'Reply received.' }).waitFor();
    await page.goto(`${base}/suppressions`);
    const list = page.getByTestId('suppressions');
    await list.getByRole('strong').filter({ hasText: phone }).waitFor();
    expect(await list.textContent()).toContain('marketing');
    await page.close();
  });
});
