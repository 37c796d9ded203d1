import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiSession, clientSignup, staffLogin } from './api-session';
import { launchBrowser, screenshot, startTestServer, type TestServer, uniqueEmail } from './helpers';

const OPERATOR = { email: 'margins@example.com', password: 'Long-secret-4244' };

describe('an operator keeps carrier costs per route and reads the margin report', () => {
  let browser: Browser;
  let t: TestServer;
  let staff: ApiSession;
  let routeId: string;
  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer([OPERATOR]), launchBrowser()]);
    staff = await staffLogin(t.server.url, OPERATOR.email, OPERATOR.password);
    const route = await staff.call<{ id: string }>('POST', '/v1/admin/routes', {
      name: 'cheap-carrier',
      type: 'simulator',
      config: { deliveryDelayMs: 100 },
    });
    expect(route.status).toBe(201);
    routeId = route.body.id;
    expect(
      (
        await staff.call('PUT', `/v1/admin/routes/${routeId}/costs`, {
          default: 0.05,
          countries: { LV: 0.02 },
        })
      ).status,
    ).toBe(200);
    const rule = await staff.call('POST', '/v1/admin/routing-rules', {
      priority: 1,
      match: { countries: ['LV'] },
      routeIds: [routeId],
      allowSimulator: true,
      strategy: 'least_cost',
    });
    expect(rule.status).toBe(201);
    const client = await clientSignup(t.server.url, 'Margin Co', uniqueEmail('margin'));
    const sent = await client.call<{ data: Array<{ id: string }> }>('POST', '/v1/messages', {
      to: ['+37120000101', '+37120000102', '+37120000103'],
      text: 'Margin check',
    });
    expect(sent.status).toBe(202);
    // Delivered (the simulated carrier answers after 100 ms).
    const deadline = Date.now() + 20_000;
    for (;;) {
      const statuses = await Promise.all(
        sent.body.data.map(
          async (m) => (await client.call<{ status: string }>('GET', `/v1/messages/${m.id}`)).body.status,
        ),
      );
      if (statuses.every((s) => s === 'delivered')) break;
      if (Date.now() > deadline) throw new Error(`not delivered: ${statuses.join(', ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function operatorPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${t.server.url}/admin/login`);
    await page.getByLabel('E-mail').fill(OPERATOR.email);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/admin$/);
    return page;
  }

  it('the costs page edits costs, refuses a bad CSV line by number, imports a good file, shows live quality', async () => {
    const page = await operatorPage();
    await page.getByRole('link', { name: 'Costs and quality of cheap-carrier' }).click();
    await page.getByRole('heading', { level: 1, name: 'Costs: cheap-carrier' }).waitFor();
    await expect.poll(() => page.getByTestId('cost-default').textContent()).toContain('0.05 credits');
    const table = page.getByRole('table', { name: 'Costs' });
    await expect
      .poll(() => table.getByRole('row').allTextContents())
      .toContainEqual(expect.stringMatching(/^LV0\.02/));

    await page.getByLabel('Country, prefix or *').fill('+37129');
    await page.getByLabel('Credits per segment').fill('0.019');
    await page.getByRole('button', { name: 'Save cost' }).click();
    await expect
      .poll(() => table.getByRole('row').allTextContents())
      .toContainEqual(expect.stringMatching(/^\+371290\.019/));

    const upload = page.locator('input[type=file]');
    await upload.setInputFiles({
      name: 'costs.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('country,prefix,cost\nLV,,0.021\nLatvia,,0.02\n'),
    });
    await expect.poll(() => page.getByTestId('csv-errors').textContent()).toContain('line 3');
    // Nothing changed.
    const kept = await staff.call<{ countries: Record<string, number> }>(
      'GET',
      `/v1/admin/routes/${routeId}/costs`,
    );
    expect(kept.body.countries).toEqual({ LV: 0.02 });

    await upload.setInputFiles({
      name: 'costs.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('country,prefix,cost\n*,,0.06\nLV,,0.021\nEE,,0.03\n'),
    });
    await expect.poll(() => page.getByTestId('cost-default').textContent()).toContain('0.06 credits');
    const stored = await staff.call<{ default: number; countries: Record<string, number>; prefixes: object }>(
      'GET',
      `/v1/admin/routes/${routeId}/costs`,
    );
    expect(stored.body).toMatchObject({ default: 0.06, countries: { EE: 0.03, LV: 0.021 }, prefixes: {} });

    // Three receipts from Latvia, all delivered.
    const quality = page.getByRole('table', { name: 'Live quality' });
    await expect
      .poll(() => quality.getByRole('row').allTextContents())
      .toContainEqual(expect.stringMatching(/^LV3100 %/));
    await screenshot(page, 'desktop-admin-route-costs');
    await page.close();
  });

  it('the margin report shows revenue, cost and margin per route with a chart, matching the API', async () => {
    const page = await operatorPage();
    await page.getByRole('link', { name: 'Margins' }).click();
    await page.getByRole('heading', { level: 1, name: 'Margins' }).waitFor();
    await page.getByRole('radio', { name: 'Route' }).check();
    await expect.poll(() => page.getByTestId('margin-messages').textContent()).toBe('3');
    const api = await staff.call<{ totals: { revenue: number; cost: number; margin: number } }>(
      'GET',
      '/v1/admin/reports/margins?groupBy=route',
    );
    // Recorded when sent: 3 × 0.02 (the LV cost then), whatever the costs are now.
    expect(api.body.totals.cost).toBeCloseTo(0.06, 6);
    expect(Number((await page.getByTestId('margin-cost').textContent())?.replace(',', '.'))).toBeCloseTo(
      0.06,
      6,
    );
    expect(Number((await page.getByTestId('margin-revenue').textContent())?.replace(',', '.'))).toBeCloseTo(
      api.body.totals.revenue,
      4,
    );
    await expect.poll(() => page.getByTestId('margin-chart').locator('.chart-bar').count()).toBe(2);
    const rows = page.getByRole('table', { name: 'Margins per route' }).getByRole('row');
    await expect.poll(() => rows.allTextContents()).toContainEqual(expect.stringMatching(/^cheap-carrier3/));
    await screenshot(page, 'desktop-admin-margins');
    await page.close();
  });

  it('the rule form sets a strategy and its thresholds, and the rule says how it picks', async () => {
    const page = await operatorPage();
    await page.getByRole('link', { name: 'Routing rules' }).click();
    await page.getByRole('heading', { level: 1, name: 'Routing rules' }).waitFor();
    await expect.poll(() => page.getByTestId('rule-strategy').first().textContent()).toContain('least cost');
    await page.getByLabel('Priority').fill('2');
    await page.getByLabel('Countries').fill('EE');
    await page.getByRole('checkbox', { name: /Allow the simulator/ }).check();
    await page.getByRole('button', { name: 'Add cheap-carrier' }).click();
    await page.getByLabel('How the rule picks among its routes').selectOption('quality');
    await page.getByLabel('Lowest delivery rate (%)').fill('90');
    await page.getByLabel('Probe share (%)').fill('10');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await expect.poll(() => page.getByTestId('rules').getByRole('listitem').count()).toBe(2);
    const stored = await staff.call<{ data: Array<Record<string, unknown>> }>(
      'GET',
      '/v1/admin/routing-rules',
    );
    expect(stored.body.data[1]).toMatchObject({
      priority: 2,
      strategy: 'quality',
      minDeliveryRate: 0.9,
      probeShare: 0.1,
      window: 200,
      maxLatencyMs: 60_000,
    });
    await expect
      .poll(() => page.getByTestId('rule-strategy').nth(1).textContent())
      .toContain('quality · demoted under 90 % delivered');
    await screenshot(page, 'desktop-admin-rule-strategy');
    await page.close();
  });
});
