import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { type ServerProcess, startServerProcess, verifyMailedEmail } from '../helpers/server-process';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = 'test-results';

export function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export interface TestServer {
  server: ServerProcess;
  dataDir: string;
  close(): Promise<void>;
}

/** A real `smsgate serve` on its own data directory; `staff` are created with the CLI before it starts. */
export async function startTestServer(
  staff: Array<{ email: string; password: string }> = [],
  env: Record<string, string> = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'smsgate-browser-'));
  for (const s of staff) {
    execFileSync(
      process.execPath,
      // The first one creates the database (the command refuses to make one unless asked).
      ['bin/smsgate.mjs', 'admin', 'create', '--email', s.email, '--password', s.password, '--create'],
      { env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, stdio: 'pipe' },
    );
  }
  const server = await startServerProcess({ DATA_DIR: dataDir, SIMULATOR_DELIVERY_DELAY_MS: '300', ...env });
  return {
    server,
    dataDir,
    async close() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

export async function scrollWidth(page: Page): Promise<number> {
  return Number(await page.evaluate('document.documentElement.scrollWidth'));
}

let counter = 0;
export function uniqueEmail(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now()}-${counter}@example.com`;
}

/**
 * Signs up through the form, accepting the policy, then (unless `verified: false`) confirms the e-mail
 * through the mailed link and reloads, so that the free credits can be spent. The country of the business
 * is `country` (an ISO code), or none: numbers then need their `+` whatever language the browser speaks.
 */
export async function signUp(
  page: Page,
  baseUrl: string,
  email: string,
  options: { verified?: boolean; country?: string } = {},
) {
  await page.goto(`${baseUrl}/signup`);
  await page.getByLabel('Company').fill('Acme Bakery');
  await page.getByLabel('Your name').fill('Ada');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password', { exact: true }).fill('a-long-secret-1');
  const country = page.getByLabel('Country of your business');
  // The list arrives from the server; the browser's language may have preselected one meanwhile.
  await country.locator('option[value="LV"]').waitFor({ state: 'attached' });
  await country.selectOption(options.country ?? '');
  await page.getByRole('checkbox', { name: /privacy policy/ }).check();
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(/\/\?welcome=1$/);
  if (options.verified !== false) {
    await verifyMailedEmail(baseUrl, email);
    await page.reload();
  }
}
