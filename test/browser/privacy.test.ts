import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
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

const PHONE = { width: 390, height: 844 };
const OPERATOR = { email: 'privacy-ops@example.com', password: 'Long-secret-4242' };

describe('privacy tools, notices, account closure, policy acceptance and the compliance back office', () => {
  let browser: Browser;
  let t: TestServer;
  let clientContext: BrowserContext;
  let client: Page;
  let operatorContext: BrowserContext;
  let operator: Page;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestServer([OPERATOR]), launchBrowser()]);
    const phone = {
      viewport: PHONE,
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      acceptDownloads: true,
    };
    clientContext = await browser.newContext(phone);
    client = await clientContext.newPage();
    operatorContext = await browser.newContext(phone);
    operator = await operatorContext.newPage();
    await signUp(client, t.server.url, uniqueEmail('privacy'));
    await operator.goto(`${t.server.url}/admin/login`);
    await operator.getByLabel('E-mail').fill(OPERATOR.email);
    await operator.getByLabel('Password').fill(OPERATOR.password);
    await operator.getByRole('button', { name: 'Log in' }).click();
    await operator.waitForURL(/\/admin$/);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Calls the API from the client's page, with its session and CSRF token. */
  const call = (method: string, path: string, body?: unknown) =>
    client.evaluate(
      async ([m, p, b]) => {
        const me = (await (await fetch('/v1/me')).json()) as { csrfToken: string };
        const r = await fetch(p as string, {
          method: m as string,
          headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
          body: b === undefined ? undefined : JSON.stringify(b),
        });
        return { status: r.status, body: (await r.json().catch(() => null)) as Record<string, unknown> };
      },
      [method, path, body] as const,
    );

  /** Waits for the page's heading, then checks it fits a phone and takes its screenshot. */
  async function fits(page: Page, heading: string | RegExp, name: string) {
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    await page.waitForLoadState('networkidle');
    expect(await scrollWidth(page), `${name} scrolls sideways`).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, `phone-${name}`);
  }

  /** Opens a page through the collapsed phone menu. */
  async function openFromMenu(page: Page, link: string | RegExp, heading: string) {
    await page.locator('#main-nav').waitFor({ state: 'attached' });
    const nav = page.getByRole('navigation', { name: 'Main' });
    if (!(await nav.isVisible())) await page.getByRole('button', { name: 'Menu' }).click();
    await nav.getByRole('link', { name: link }).click();
    await page.getByRole('heading', { level: 1, name: heading }).waitFor();
  }

  async function openCompliance(section: string, heading: RegExp) {
    await operator
      .getByRole('navigation', { name: 'Compliance' })
      .getByRole('link', { name: section })
      .click();
    await operator.getByRole('heading', { level: 2, name: heading }).waitFor();
  }

  it('a client finds a person, exports their records, corrects, restricts and erases them with a receipt', async () => {
    const contact = await call('POST', '/v1/contacts', {
      phone: '+37120000501',
      firstName: 'Maija',
      email: 'maija@example.com',
    });
    expect(contact.status).toBe(201);
    const sent = await call('POST', '/v1/messages', { to: '+37120000501', text: 'Hello Maija' });
    expect(sent.status).toBeLessThan(300);

    await openFromMenu(client, 'Privacy', 'Privacy tools');
    await fits(client, 'Privacy tools', 'privacy-tools');
    await client.getByLabel('Phone number').fill('+37120000501');
    await client.getByRole('button', { name: 'Search' }).click();
    const contacts = client.getByTestId('records-contacts');
    await contacts.waitFor();
    expect(await contacts.textContent()).toContain('Maija');
    await client.getByTestId('records-messages').getByText('Hello Maija').waitFor();
    expect(await scrollWidth(client)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(client, 'phone-privacy-results');

    const [json] = await Promise.all([
      client.waitForEvent('download'),
      client.getByRole('button', { name: 'Export JSON' }).click(),
    ]);
    expect(json.suggestedFilename()).toBe('subject-export.json');
    const bundle = JSON.parse(readFileSync(String(await json.path()), 'utf8')) as {
      contacts: Array<{ firstName: string }>;
      messages: Array<{ text: string }>;
    };
    expect(bundle.contacts[0]?.firstName).toBe('Maija');
    expect(bundle.messages[0]?.text).toBe('Hello Maija');
    const [csv] = await Promise.all([
      client.waitForEvent('download'),
      client.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(csv.suggestedFilename()).toBe('subject-export.csv');
    expect(readFileSync(String(await csv.path()), 'utf8')).toContain('Maija');

    // A bad correction comes back next to its field; a good one corrects the contact.
    await client.getByRole('button', { name: 'Rectify' }).click();
    await client.getByLabel('New e-mail').fill('not-an-address');
    await client.getByRole('button', { name: 'Save corrections' }).click();
    await expect.poll(() => client.getByLabel('New e-mail').getAttribute('aria-invalid')).toBe('true');
    await client.getByLabel('New e-mail').fill('maija@example.org');
    await client.getByLabel('Last name').fill('Ozola');
    await client.getByRole('button', { name: 'Save corrections' }).click();
    await client.getByRole('status').getByText('1 contact corrected.').waitFor();
    await contacts.getByText('Ozola').waitFor();

    await client.getByRole('button', { name: 'Restrict', exact: true }).click();
    await client.getByRole('button', { name: 'Lift restriction' }).waitFor();
    expect(
      (await call('POST', '/v1/messages', { to: '+37120000501', text: 'Again' })).status,
    ).toBeGreaterThanOrEqual(400);
    await client.getByRole('button', { name: 'Lift restriction' }).click();
    await client.getByRole('button', { name: 'Restrict', exact: true }).waitFor();

    // Erasing needs the number typed into the dialog.
    await client.getByRole('button', { name: 'Erase now…' }).click();
    const dialog = client.getByRole('dialog', { name: 'Erase this person now?' });
    await dialog.waitFor();
    const confirm = dialog.getByRole('button', { name: 'Erase now' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type the number to confirm').fill('+371 2000 0502');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type the number to confirm').fill('+371 2000 0501');
    await screenshot(client, 'phone-privacy-erase-dialog');
    await confirm.click();
    const receipt = client.getByTestId('erasure-receipt');
    await receipt.waitFor();
    expect(await receipt.textContent()).toMatch(/contacts\s*1/);
    expect(await receipt.textContent()).toMatch(/messages\s*1/);
    await fits(client, 'Privacy tools', 'privacy-receipt');
    const after = await call('POST', '/v1/privacy/subject-search', { phone: '+37120000501' });
    expect((after.body.contacts as unknown[]).length).toBe(0);
    expect((after.body.messages as unknown[]).length).toBe(0);

    // The register and the audit chain, on the same page.
    await client.getByTestId('register').getByText('Retention periods').waitFor();
    await client.getByRole('button', { name: 'Verify the chain' }).click();
    await expect.poll(() => client.getByTestId('audit-verify').textContent()).toMatch(/The chain is intact/);
  });

  it('an operator adds a sub-processor; the client sees the notice and objects before the deadline', async () => {
    await openFromMenu(operator, 'Compliance', 'Compliance');
    await fits(operator, 'Compliance', 'admin-sub-processors');
    await operator.getByRole('button', { name: 'Add a sub-processor' }).click();
    // Without the required fields the server answers next to each.
    await operator.getByRole('button', { name: 'Add sub-processor', exact: true }).click();
    await expect
      .poll(() => operator.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'))
      .toBe('true');
    await operator.getByLabel('Name', { exact: true }).fill('CloudHost Inc.');
    await operator.getByLabel('Purpose').fill('Database hosting');
    await operator.getByLabel('Location').fill('United States');
    await operator.getByLabel('Transfer safeguard').fill('EU SCCs 2021/914');
    await operator.getByRole('button', { name: 'Add sub-processor', exact: true }).click();
    const announced = operator.getByTestId('announced');
    await announced.waitFor();
    expect(await announced.textContent()).toMatch(/Saved CloudHost Inc\.: [1-9]\d* accounts? notified/);
    await operator.getByTestId('sub-processor').filter({ hasText: 'CloudHost Inc.' }).waitFor();
    expect(await scrollWidth(operator)).toBeLessThanOrEqual(PHONE.width);

    // The client: an unread count in the navigation, the notice, an objection.
    await client.goto(`${t.server.url}/`);
    await expect.poll(() => client.getByTestId('notices-unread').textContent()).toMatch(/^,\s*1\s*unread$/);
    await openFromMenu(client, /Notices/, 'Notices');
    const notice = client.getByTestId('notice').filter({ hasText: 'CloudHost' });
    await notice.getByText('You can object until').waitFor();
    await fits(client, 'Notices', 'notices');
    await notice.getByRole('button', { name: 'Object to this change' }).click();
    await notice.getByRole('button', { name: 'Send objection' }).click();
    await expect
      .poll(() => notice.getByLabel('Why do you object?').getAttribute('aria-invalid'))
      .toBe('true');
    await notice.getByLabel('Why do you object?').fill('Our customers require EU-only hosting.');
    await notice.getByRole('button', { name: 'Send objection' }).click();
    await notice.getByText('Your objection was sent to the operator').waitFor();
    // A second objection: the server's refusal shows next to the reason.
    await client.reload();
    await notice.getByRole('button', { name: 'Object to this change' }).click();
    await notice.getByLabel('Why do you object?').fill('Once more.');
    await notice.getByRole('button', { name: 'Send objection' }).click();
    await expect.poll(() => notice.locator('.field-error').textContent()).toMatch(/already objected/);
    await notice.getByRole('button', { name: /Mark read/ }).click();
    await expect.poll(() => client.getByTestId('notices-unread').count()).toBe(0);

    // The operator reads the objection.
    const card = operator.getByTestId('sub-processor').filter({ hasText: 'CloudHost Inc.' });
    await card.getByRole('button', { name: 'Objections to CloudHost Inc.' }).click();
    await card.getByText('Our customers require EU-only hosting.').waitFor();
    await screenshot(operator, 'phone-admin-objections');

    // Replacing it tells the clients again.
    await card.getByRole('button', { name: 'Replace CloudHost Inc.' }).click();
    await card.getByLabel('Name', { exact: true }).fill('EuroHost GmbH');
    await card.getByLabel('Purpose').fill('Database hosting');
    await card.getByLabel('Location').fill('Germany');
    await card.getByRole('button', { name: 'Replace', exact: true }).click();
    await expect
      .poll(() => announced.textContent())
      .toMatch(/Saved EuroHost GmbH: [1-9]\d* accounts? notified/);
  });

  it('the operator records and notifies an incident, handles a privacy request and lowers a retention period', async () => {
    await openCompliance('Incidents', /Security incidents/);
    await operator.getByRole('button', { name: 'Record an incident' }).click();
    await operator.getByLabel('Title').fill('Leaked backup');
    await operator.getByLabel('What happened').fill('A backup was readable for an hour.');
    await operator.getByLabel('Data categories').fill('phone numbers, message texts');
    await operator.getByLabel('Severity').selectOption('high');
    await operator.getByRole('button', { name: 'Record incident' }).click();
    const incident = operator.getByTestId('incident').filter({ hasText: 'Leaked backup' });
    await incident.waitFor();
    expect(await incident.getByTestId('countdown').textContent()).toMatch(/\d+ h \d+ min left|\d+ min left/);
    await incident.getByRole('button', { name: 'Notify affected accounts' }).click();
    await incident
      .getByRole('status')
      .getByText(/[1-9]\d* accounts? told now/)
      .waitFor();
    // An incident of one account: picked by name, not typed as an id.
    await operator.getByRole('button', { name: 'Record an incident' }).click();
    await operator.getByLabel('Title').fill('One mailbox read');
    await operator.getByLabel('What happened').fill('An address list was opened by mistake.');
    await operator.getByLabel('Data categories').fill('e-mail addresses');
    await operator.getByRole('radio', { name: /Only these/ }).check();
    await operator.getByLabel('Find accounts').fill('Acme');
    await operator.getByRole('list', { name: 'Accounts found' }).getByRole('checkbox').first().check();
    expect(await operator.getByTestId('incident-accounts').textContent()).toMatch(/^Chosen: Acme/);
    await operator.getByRole('button', { name: 'Record incident' }).click();
    const single = operator.getByTestId('incident').filter({ hasText: 'One mailbox read' });
    await single.waitFor();
    expect(await single.textContent()).toContain('0 of 1');
    await fits(operator, 'Compliance', 'admin-incidents');
    await client.goto(`${t.server.url}/notices`);
    await client.getByTestId('notice').filter({ hasText: 'Security incident' }).first().waitFor();

    // A request from a person, forwarded to the client's account; the client completes it.
    const me = await call('GET', '/v1/me');
    const accountId = (me.body.account as { id: string }).id;
    await openCompliance('Privacy requests', /Privacy requests/);
    await operator.getByRole('button', { name: 'Record a request' }).click();
    await operator.getByLabel('Kind').selectOption('erasure');
    await operator.getByLabel('Their phone').fill('+37120000777');
    await operator.getByLabel('What they asked').fill('Please delete my number.');
    await operator.getByRole('button', { name: 'Record request' }).click();
    const request = operator.getByTestId('admin-privacy-requests').getByRole('listitem').first();
    await request.getByText('erasure request').waitFor();
    // The counts by source include it (requests texted to clients' numbers are counted apart).
    await expect
      .poll(() => operator.getByTestId('privacy-request-counts').textContent())
      .toMatch(/Recorded by staff: \d+ \(\d+ open/);
    await request.getByLabel(/Forward request .* to account/).fill('acc_nope');
    await request.getByRole('button', { name: 'Forward' }).click();
    await expect
      .poll(() => request.getByLabel(/Forward request .* to account/).getAttribute('aria-invalid'))
      .toBe('true');
    await request.getByLabel(/Forward request .* to account/).fill(accountId);
    await request.getByRole('button', { name: 'Forward' }).click();
    await request.getByText('forwarded', { exact: true }).waitFor();
    await fits(operator, 'Compliance', 'admin-requests');

    await client.goto(`${t.server.url}/privacy-tools`);
    const inbox = client.getByTestId('privacy-requests').getByRole('listitem').first();
    await inbox.getByText('Please delete my number.').waitFor();
    await inbox.getByRole('button', { name: /^Complete/ }).click();
    await inbox.getByLabel('What was done (optional)').fill('Erased on request.');
    await inbox.getByRole('button', { name: 'Mark completed' }).click();
    await inbox.getByText('completed', { exact: true }).waitFor();

    // Retention: above the promise is refused next to the field; lower is kept.
    await openCompliance('Retention', /Retention periods/);
    const field = operator.getByLabel(/^Contacts deleted by the client/);
    await field.waitFor();
    const promised = Number(await field.inputValue());
    await field.fill(String(promised + 100));
    await operator.getByRole('button', { name: 'Save periods' }).click();
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    await fits(operator, 'Compliance', 'admin-retention-refused');
    await field.fill(String(promised - 10));
    await operator.getByRole('button', { name: 'Save periods' }).click();
    await operator.getByRole('status').getByText('Retention periods saved.').waitFor();
    await operator.reload();
    await expect.poll(() => field.inputValue()).toBe(String(promised - 10));
    await fits(operator, 'Compliance', 'admin-retention');
  });

  it('the client closes the account (a banner on every page) and restores it', async () => {
    await client.goto(`${t.server.url}/account/close`);
    await fits(client, 'Close the account', 'account-close');
    await client.getByRole('button', { name: 'Close the account' }).click();
    await expect.poll(() => client.getByRole('checkbox').getAttribute('aria-invalid')).toBe('true');
    await client.getByLabel(/I consent to the deletion/).check();
    await client.getByRole('button', { name: 'Close the account' }).click();
    const banner = client.getByTestId('closed-banner');
    await banner.waitFor();
    expect((await call('POST', '/v1/messages', { to: '+37120000599', text: 'Hi' })).status).toBe(403);
    await client.goto(`${t.server.url}/contacts`);
    await banner.waitFor();
    await fits(client, 'Contacts', 'account-closed-banner');
    await banner.getByRole('button', { name: 'Restore the account' }).click();
    await expect.poll(() => banner.count()).toBe(0);
    const me = await call('GET', '/v1/me');
    expect((me.body.account as { status: string }).status).toBe('active');
  });

  it('after a new policy version the client must accept it before changing anything', async () => {
    await openCompliance('Policy', /Privacy policy versions/);
    await operator.getByLabel('Version', { exact: true }).fill('2027-01-01');
    await operator
      .getByLabel('Policy text (Markdown)')
      .fill(
        '# What changed in 2027\n\nWe now keep **less** data.\n\n- Messages: 120 days\n- Contacts: 60 days',
      );
    await operator.getByRole('button', { name: 'Publish' }).click();
    await operator.getByRole('status').getByText('Version 2027-01-01 is now in force.').waitFor();
    await fits(operator, 'Compliance', 'admin-policy');

    // The public page shows the new text.
    const visitor = await browser.newPage({ viewport: PHONE });
    await visitor.goto(`${t.server.url}/privacy`);
    await visitor.getByRole('heading', { name: 'What changed in 2027' }).waitFor();
    await fits(visitor, 'Privacy policy and terms', 'privacy-policy');
    await visitor.close();

    await client.goto(`${t.server.url}/`);
    const gate = client.getByRole('dialog', { name: 'Our privacy policy has changed' });
    await gate.waitFor();
    await gate.getByText('We now keep').waitFor();
    expect(await scrollWidth(client)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(client, 'phone-policy-gate');
    const refused = await call('POST', '/v1/contacts', { phone: '+37120000601' });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('policy_acceptance_required');
    await gate.getByRole('button', { name: 'Accept the policy' }).click();
    await expect.poll(() => gate.count()).toBe(0);
    expect((await call('POST', '/v1/contacts', { phone: '+37120000601' })).status).toBe(201);
    await client.reload();
    await client.getByRole('heading', { level: 1 }).waitFor();
    expect(await client.getByRole('dialog').count()).toBe(0);
  });
});
