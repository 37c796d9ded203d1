import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmscSimulator, startSmscSimulator } from '../../dev/smsc-simulator';
import { staffLogin } from './api-session';
import { launchBrowser, screenshot, signUp, startTestServer, type TestServer, uniqueEmail } from './helpers';

const OPERATOR = { email: 'router@example.com', password: 'Long-secret-4243' };

describe('routing rules keep the order the operator picks; simulated messages say so', () => {
  let browser: Browser;
  let t: TestServer;
  let smsc: SmscSimulator;
  beforeAll(async () => {
    [t, browser, smsc] = await Promise.all([
      startTestServer([OPERATOR]),
      launchBrowser(),
      startSmscSimulator({ systemId: 'acme', password: 'secret1', receiptDelayMs: 5 }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await smsc?.stop();
  });

  async function sendFromForm(page: Page, to: string) {
    await page.goto(`${t.server.url}/send`);
    await page.getByLabel('Recipients').fill(to);
    await page.getByLabel('Message').fill('Routing check');
    await expect.poll(() => page.getByTestId('cost').textContent(), { timeout: 10_000 }).toMatch(/credits/);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/\/messages\/msg_/);
  }

  it('a fresh install delivers through the simulator and the message shows a Simulated badge', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signUp(page, t.server.url, uniqueEmail('sim'));
    await sendFromForm(page, '+37120000001');
    await expect
      .poll(() => page.getByTestId('message-status').textContent(), { timeout: 20_000 })
      .toBe('delivered');
    await page.getByText('Simulated', { exact: true }).waitFor();
    expect(await page.getByTestId('simulated-notice').textContent()).toContain('reached no real phone');
    expect(await page.locator('.timeline').textContent()).toContain('simulated carrier');
    await screenshot(page, 'desktop-message-simulated');
    await page.close();
  });

  it('an operator picks the carrier first and the simulator second, and sees that order after a reload', async () => {
    const staff = await staffLogin(t.server.url, OPERATOR.email, OPERATOR.password);
    const carrier = await staff.call<{ id: string }>('POST', '/v1/admin/routes', {
      name: 'carrier',
      type: 'smpp',
      config: { host: '127.0.0.1', port: smsc.port, systemId: 'acme', password: 'secret1' },
    });
    expect(carrier.status).toBe(201);

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${t.server.url}/admin/login`);
    await page.getByLabel('E-mail').fill(OPERATOR.email);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/admin$/);
    await page.goto(`${t.server.url}/admin/routing-rules`);
    await page.getByRole('heading', { level: 1, name: 'Routing rules' }).waitFor();

    await page.getByLabel('Priority').fill('1');
    await page.getByLabel('Countries').fill('LV');
    // The simulator is not on offer until it is allowed for this rule.
    await page.getByRole('button', { name: 'Add carrier' }).waitFor();
    expect(await page.getByRole('button', { name: 'Add Built-in simulator' }).count()).toBe(0);
    await page.getByRole('checkbox', { name: /Allow the simulator/ }).check();
    // Picked in the wrong order first, then put right with the Up button.
    await page.getByRole('button', { name: 'Add Built-in simulator' }).click();
    await page.getByRole('button', { name: 'Add carrier' }).click();
    const chosen = page.getByTestId('chosen-routes').getByRole('listitem');
    await expect
      .poll(() => chosen.allTextContents())
      .toEqual([expect.stringMatching(/^1\. Built-in simulator/), expect.stringMatching(/^2\. carrier/)]);
    await page.getByRole('button', { name: 'Up carrier' }).click();
    await expect
      .poll(() => chosen.allTextContents())
      .toEqual([expect.stringMatching(/^1\. carrier/), expect.stringMatching(/^2\. Built-in simulator/)]);
    await screenshot(page, 'desktop-admin-rule-order');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await expect.poll(() => page.getByTestId('rules').getByRole('listitem').count()).toBe(1);

    await page.reload();
    const shown = page.getByTestId('rules').getByTestId('rule-routes');
    await expect.poll(() => shown.textContent()).toMatch(/1\. carrier, 2\. Built-in simulator/);
    expect(await shown.textContent()).toContain('simulator allowed');
    const stored = await staff.call<{ data: Array<{ routeIds: string[]; allowSimulator: boolean }> }>(
      'GET',
      '/v1/admin/routing-rules',
    );
    expect(stored.body.data).toEqual([
      expect.objectContaining({ routeIds: [carrier.body.id, 'simulator'], allowSimulator: true }),
    ]);
    await page.close();
  });
});
