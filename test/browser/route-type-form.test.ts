import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_TYPES } from '../../src/adapters/route-types';
import { createSecretBox } from '../../src/kernel/secret-box';
import {
  PASSWORD,
  staffSession,
  startTestSystem,
  TEST_SECRETS_KEY,
  type TestSystem,
} from '../helpers/system';
import { acmeRouteType } from '../helpers/throwaway-route-type';
import { launchBrowser, screenshot } from './helpers';

/**
 * The operator's route form is generated from the route types' JSON Schemas: a type injected into the
 * registry (and written nowhere in the web app) gets its fields, input kinds, required marks and a
 * password field for its secret. The program runs in this process, so the registry can be injected.
 */
describe('route form of a throw-away route type', () => {
  let browser: Browser;
  let ts: TestSystem;
  let url: string;
  let email: string;
  beforeAll(async () => {
    [ts, browser] = await Promise.all([
      startTestSystem('sqlite', {}, { routeTypes: [...ROUTE_TYPES, acmeRouteType] }),
      launchBrowser(),
    ]);
    // Sessions are timed by the system's clock: the browser's cookies need it to be now.
    ts.clock.set(Date.now());
    email = (await staffSession(ts, 'operator')).email;
    await ts.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(ts.app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await browser?.close();
    await ts?.close();
  });

  it('renders its fields from the schema, the secret as a password field, and adds a route through it', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${url}/admin/login`);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/admin$/);

    const typeSelect = page.getByLabel('Type', { exact: true });
    // The type list comes from GET /v1/admin/route-types.
    await typeSelect.locator('option', { hasText: 'Acme SMS API' }).waitFor({ state: 'attached' });
    await typeSelect.selectOption('acme');
    const baseUrl = page.getByLabel('Base URL');
    await baseUrl.waitFor();
    expect(await baseUrl.getAttribute('type')).toBe('text');
    expect(await baseUrl.getAttribute('required')).not.toBeNull();
    const apiKey = page.getByLabel('API key');
    expect(await apiKey.getAttribute('type')).toBe('password');
    expect(await apiKey.getAttribute('required')).not.toBeNull();
    expect(await page.getByLabel('Region').locator('option').allTextContents()).toEqual(['eu', 'us']);
    const retries = page.getByLabel(/Max retries/);
    expect(await retries.getAttribute('type')).toBe('number');
    expect(await retries.getAttribute('required')).toBeNull();
    expect(await retries.getAttribute('max')).toBe('5');
    expect(await page.getByLabel('Sandbox').getAttribute('type')).toBe('checkbox');
    await screenshot(page, 'desktop-admin-route-form-throwaway-type');

    await page.getByLabel('Name').fill('acme-eu');
    await baseUrl.fill('https://api.acme.test');
    await apiKey.fill('acme-secret-key');
    await page.getByLabel('Region').selectOption('us');
    await retries.fill('3');
    await page.getByRole('button', { name: 'Add route' }).click();
    const item = page.getByTestId('routes').getByRole('listitem').filter({ hasText: 'acme-eu' });
    await item.waitFor();
    const row = await ts.system.storage.db
      .selectFrom('routes')
      .select(['type', 'config'])
      .where('name', '=', 'acme-eu')
      .executeTakeFirstOrThrow();
    expect(row.type).toBe('acme');
    const stored = JSON.parse(row.config);
    // The key is stored sealed under the deployment's secrets key.
    expect(stored.apiKey).toMatch(/^sb1:/);
    expect({
      ...stored,
      apiKey: createSecretBox(Buffer.from(TEST_SECRETS_KEY, 'hex')).open(stored.apiKey),
    }).toEqual({
      baseUrl: 'https://api.acme.test',
      apiKey: 'acme-secret-key',
      region: 'us',
      maxRetries: 3,
      sandbox: false,
    });
    // Editing: the stored values come back, the secret never does (blank, kept unless typed again).
    await item.getByRole('button', { name: 'Edit acme-eu' }).click();
    expect(await item.getByLabel('Base URL').inputValue()).toBe('https://api.acme.test');
    expect(await item.getByLabel('API key').inputValue()).toBe('');
    expect(await page.content()).not.toContain('acme-secret-key');
    await page.close();
  });
});
