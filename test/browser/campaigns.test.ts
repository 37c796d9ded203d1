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

describe('campaigns page', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('drafts a campaign (server errors next to the text), previews its cost, starts it and follows it', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signUp(page, t.server.url, uniqueEmail('campaigns'));
    const status = await page.evaluate(async () => {
      const me = (await (await fetch('/v1/me')).json()) as { csrfToken: string };
      const post = (path: string, body: unknown) =>
        fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
          body: JSON.stringify(body),
        }).then((r) => r.json() as Promise<{ id: string }>);
      const group = await post('/v1/groups', { name: 'Regulars' });
      await post('/v1/contacts', { phone: '+37120000201', firstName: 'Anna', groupIds: [group.id] });
      await post('/v1/contacts', { phone: '+37120000202', firstName: 'Jānis', groupIds: [group.id] });
      await post('/v1/templates', {
        name: 'Weekend',
        text: 'Hi {{first_name|there}}, see you this weekend!',
      });
      return 'ok';
    });
    expect(status).toBe('ok');

    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('heading', { level: 1, name: 'Campaigns' }).waitFor();
    await page.getByText('No campaigns yet.').waitFor();
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByLabel('Campaign name').fill('Weekend offer');
    // A saved template fills the text, which stays editable.
    await page.getByLabel('Use a template for Text').selectOption({ label: 'Weekend' });
    expect(await page.getByLabel('Text', { exact: true }).inputValue()).toBe(
      'Hi {{first_name|there}}, see you this weekend!',
    );
    await page
      .getByLabel('Text', { exact: true })
      .fill('Hi {{first_name|there}}, fresh croissants all weekend!');
    await page.getByRole('checkbox', { name: /Regulars/ }).check();
    await page.getByLabel(/Quiet hours/).selectOption('none');
    await page.getByRole('button', { name: 'Save draft' }).click();
    // A marketing text without an opt-out is refused; the reason sits under the text.
    const text = page.getByLabel('Text', { exact: true });
    await expect.poll(() => text.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.field', { has: text }).locator('.field-error').textContent()).toMatch(
      /opt-out/,
    );
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-campaign-new');

    await text.fill('Hi {{first_name|there}}, fresh croissants all weekend! Reply STOP to opt out');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL(/\/campaigns\/cmp_/);
    expect(await page.getByTestId('campaign-status').textContent()).toBe('draft');
    await page.getByRole('button', { name: 'Preview cost' }).click();
    const preview = page.getByTestId('campaign-preview');
    await preview.getByText('Hi Anna, fresh croissants').waitFor();
    expect(await preview.locator('.stats').textContent()).toMatch(/Recipients2/);

    await page.getByRole('button', { name: 'Start campaign' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start campaign' }).click();
    await expect
      .poll(() => page.getByTestId('campaign-stats').textContent(), { timeout: 30_000 })
      .toMatch(/Delivered2/);
    await expect
      .poll(() => page.getByTestId('campaign-over-time').locator('tbody tr').count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-campaign');

    await page.getByRole('link', { name: 'All campaigns' }).click();
    const item = page.getByTestId('campaigns').getByRole('listitem');
    await expect.poll(() => item.count()).toBe(1);
    expect(await item.first().textContent()).toMatch(/Weekend offer.*2 recipients/);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-campaigns');
    await page.close();
  });
});
