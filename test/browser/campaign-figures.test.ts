import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, signUp, startTestServer, type TestServer, uniqueEmail } from './helpers';

describe('campaign page figures', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    // Every number comes back undelivered, so the first report shows where undelivered is counted.
    [t, browser] = await Promise.all([
      startTestServer([], { SIMULATOR_UNDELIVERED_PATTERN: '^\\+37120000' }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('counts the handed-over share once, shows undelivered apart from failed, and drops Reserved when cancelled', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signUp(page, t.server.url, uniqueEmail('figures'));
    // Four recipients at one a minute: the first goes at once, the other three wait.
    const id = await page.evaluate(async () => {
      const me = (await (await fetch('/v1/me')).json()) as { csrfToken: string };
      const post = (path: string, body: unknown) =>
        fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
          body: JSON.stringify(body),
        }).then((r) => r.json() as Promise<{ id: string }>);
      const group = await post('/v1/groups', { name: 'Four' });
      for (const n of [1, 2, 3, 4])
        await post('/v1/contacts', { phone: `+3712000030${n}`, groupIds: [group.id] });
      const c = await post('/v1/campaigns', {
        name: 'Paced',
        text: 'Figures',
        type: 'transactional',
        groupIds: [group.id],
        speedPerMinute: 1,
        quietHours: null,
      });
      await post(`/v1/campaigns/${c.id}/start`, {});
      return c.id;
    });
    await page.goto(`${t.server.url}/campaigns/${id}`);
    const stats = page.getByTestId('campaign-stats');
    await expect.poll(() => stats.textContent(), { timeout: 20_000 }).toMatch(/Undelivered1/);
    const text = await stats.textContent();
    expect(text).toMatch(/Recipients4/);
    expect(text).toMatch(/Waiting3/);
    expect(text).toMatch(/Handed to carriers1/);
    expect(text).toMatch(/Delivered0/);
    expect(text).toMatch(/Failed0/);
    // One of four handed over is 25 %, however its report came back.
    expect(await page.getByTestId('campaign-progress-text').textContent()).toBe('25 % (1 of 4)');
    expect(await page.getByRole('table', { name: 'By country' }).textContent()).toMatch(
      // Messages 4, delivered 0, undelivered 1, failed 0.
      /UndeliveredFailed.*LV4010/,
    );
    expect(await page.getByText('Reserved', { exact: true }).count()).toBe(1);
    await screenshot(page, 'desktop-campaign-figures');

    await page.getByRole('button', { name: 'Cancel campaign' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel campaign' }).click();
    await expect.poll(() => page.getByTestId('campaign-status').textContent()).toBe('cancelled');
    await expect.poll(() => stats.textContent(), { timeout: 20_000 }).toMatch(/Waiting0.*Failed3/);
    expect(await page.getByText('Reserved', { exact: true }).count()).toBe(0);
    expect(await page.getByTestId('campaign-progress-text').textContent()).toBe('25 % (1 of 4)');
    await screenshot(page, 'desktop-campaign-cancelled');
    await page.close();
  });
});
