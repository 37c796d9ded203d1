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

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

describe('campaign console', () => {
  let browser: Browser;
  let t: TestServer;
  beforeAll(async () => {
    // Numbers ending in 9 come back undelivered: they are the campaign's failed recipients.
    [t, browser] = await Promise.all([
      startTestServer([], { SIMULATOR_UNDELIVERED_PATTERN: '9$' }),
      launchBrowser(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A group of four contacts (one undelivered number) and a saved template, through the API. */
  async function seed(page: Page) {
    return page.evaluate(async () => {
      const me = (await (await fetch('/v1/me')).json()) as { csrfToken: string };
      const post = (path: string, body: unknown) =>
        fetch(path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
          body: JSON.stringify(body),
        }).then((r) => r.json() as Promise<{ id: string }>);
      const group = await post('/v1/groups', { name: 'Regulars' });
      for (const [n, name] of [
        [1, 'Anna'],
        [2, 'Jānis'],
        [3, 'Līga'],
        [9, 'Pēteris'],
      ] as const)
        await post('/v1/contacts', { phone: `+3712000040${n}`, firstName: name, groupIds: [group.id] });
      await post('/v1/templates', {
        name: 'Weekend',
        text: 'Hi {{first_name|there}}, see you this weekend!',
      });
      return group.id;
    });
  }

  it('edits a draft with the counter and cost, saves and uses templates, splits A/B with an attachment, resends to failed', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signUp(page, t.server.url, uniqueEmail('console'));
    await seed(page);

    // A new draft from the saved template; the counter follows the text.
    await page.goto(`${t.server.url}/campaigns`);
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByLabel('Campaign name').fill('Weekend offer');
    await page.getByLabel('Use a template for Text').selectOption({ label: 'Weekend' });
    const text = page.getByLabel('Text', { exact: true });
    expect(await text.inputValue()).toBe('Hi {{first_name|there}}, see you this weekend!');
    await text.fill('Hi {{first_name|there}}, croissants all weekend! Reply STOP to opt out');
    const counter = page.getByTestId('counter-text');
    await expect.poll(() => counter.textContent()).toMatch(/^GSM-7 · 70 characters · 1 part · 85 left/);
    await page.getByRole('checkbox', { name: /Regulars/ }).check();
    await page.getByLabel(/Quiet hours/).selectOption('none');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.waitForURL(/\/campaigns\/cmp_[^/]+$/);
    const campaignUrl = page.url();

    // Editing the draft: the stored values, the counter, and the cost of the saved draft.
    await page.getByRole('link', { name: 'Edit draft' }).click();
    await page.waitForURL(/\/edit$/);
    await page.getByRole('heading', { level: 1, name: 'Edit campaign' }).waitFor();
    expect(await page.getByLabel('Campaign name').inputValue()).toBe('Weekend offer');
    expect(await text.inputValue()).toBe(
      'Hi {{first_name|there}}, croissants all weekend! Reply STOP to opt out',
    );
    expect(await page.getByRole('checkbox', { name: /Regulars/ }).isChecked()).toBe(true);
    const cost = page.getByTestId('campaign-cost');
    await expect.poll(() => cost.textContent()).toMatch(/^4 recipients × 4 parts in all = 0\.2 credits$/);
    // A longer text, with a character only UCS-2 has: two parts each, the cost an estimate until saved.
    await text.fill(
      'Hi {{first_name|there}}, croissants all weekend — fresh every morning from 7 until noon ☕ Reply STOP to opt out',
    );
    await expect.poll(() => counter.textContent()).toMatch(/^UCS-2 · \d+ characters · 2 parts/);
    expect(await counter.textContent()).toMatch(/forces UCS-2: — ☕$/);
    await expect.poll(() => cost.textContent()).toMatch(/^About 4 × 2\.0 parts × 0\.05 ≈ 0\.4 credits/);
    await screenshot(page, 'desktop-campaign-edit-counter');

    // Save as template, from the editor.
    await page.getByRole('button', { name: 'Save as template' }).click();
    await page.getByLabel('Template name').fill('Croissants');
    await page.getByRole('button', { name: 'Save template' }).click();
    await page.getByText('Saved as the template “Croissants”.').waitFor();

    // A/B: the text becomes variant A, variant B is written, the shares set to 70/30.
    await page.getByRole('checkbox', { name: /A\/B test/ }).check();
    const variants = page.getByTestId('variants');
    expect(await page.getByLabel('Variant A', { exact: true }).inputValue()).toMatch(
      /croissants all weekend/,
    );
    // "Use template" works for each variant too.
    await page.getByLabel('Use a template for Variant B').selectOption({ label: 'Weekend' });
    expect(await page.getByLabel('Variant B', { exact: true }).inputValue()).toBe(
      'Hi {{first_name|there}}, see you this weekend!',
    );
    await page
      .getByLabel('Variant B', { exact: true })
      .fill('Hi {{first_name|there}}, 2 for 1 today. Reply STOP');
    await page.getByLabel('Share of variant A (%)').fill('70');
    await expect.poll(() => page.getByTestId('percent-sum').textContent()).toBe('120');
    await page.getByRole('button', { name: 'Save changes' }).click();
    // Refused: the percents add up to 120; the reason is shown with the variants, nothing is saved.
    await variants.getByText(/add up to 120/).waitFor();
    await page.getByLabel('Share of variant B (%)').fill('30');
    expect(await page.getByTestId('counter-variant-B').textContent()).toMatch(
      /^GSM-7 · \d+ characters · 1 part/,
    );

    // An attachment: its link is counted in every variant.
    const before = await page.getByTestId('counter-variant-B').textContent();
    await page.getByLabel('Attach an image or a PDF').setInputFiles({
      name: 'menu.pdf',
      mimeType: 'application/pdf',
      buffer: PDF,
    });
    await page.getByTestId('attachment').getByText('menu.pdf').waitFor();
    const after = await page.getByTestId('counter-variant-B').textContent();
    expect(
      Number(/(\d+) characters/.exec(after ?? '')![1]) - Number(/(\d+) characters/.exec(before ?? '')![1]),
    ).toBe(1 + `${t.server.url}/a/xxxxxxxx`.length);
    await screenshot(page, 'desktop-campaign-ab-editor');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(campaignUrl);
    const shown = page.getByTestId('campaign-variants');
    await shown.waitFor();
    expect(await shown.textContent()).toMatch(/A · 70 %.*croissants.*B · 30 %.*2 for 1/);
    await page.getByText('a link to the file for each recipient').waitFor();

    // The preview splits the cost by variant; start it and follow each variant.
    await page.getByRole('button', { name: 'Preview cost' }).click();
    const byVariant = page.getByRole('list', { name: 'Cost by variant' });
    await byVariant.waitFor();
    expect(await byVariant.textContent()).toMatch(/Variant A: \d recipients.*Variant B: \d recipients/);
    await page.getByRole('button', { name: 'Start campaign' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Start campaign' }).click();
    const variantStats = page.getByTestId('variant-stats');
    await expect
      .poll(
        async () => {
          const rows = await variantStats.locator('tbody tr').allTextContents();
          return rows.length === 2 ? rows.join('|') : '';
        },
        { timeout: 30_000 },
      )
      .toMatch(/A \(70 %\)\d+.*\|B \(30 %\)\d+/);
    // Every report in: one number came back undelivered, so it is listed and can be sent again.
    const failed = page.getByTestId('failed-recipients');
    await failed.getByText('+37120000409').waitFor({ timeout: 30_000 });
    await screenshot(page, 'desktop-campaign-ab-stats');
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-campaign-ab-stats');
    await failed.getByRole('button', { name: 'Resend to failed' }).click();
    await page.waitForURL((url) => url.href !== campaignUrl && /\/campaigns\/cmp_/.test(url.href));
    expect(await page.getByRole('heading', { level: 2 }).first().textContent()).toBe(
      'Weekend offer (resend to failed)',
    );
    expect(await page.getByTestId('campaign-status').textContent()).toBe('draft');
    await page.getByText('the failed recipients of').waitFor();
    await page.getByRole('button', { name: 'Preview cost' }).click();
    await expect
      .poll(() => page.getByTestId('campaign-preview').locator('.stats').textContent())
      .toMatch(/Recipients1/);
    expect(await page.getByTestId('campaign-preview').textContent()).toContain('+37120000409');
    // Its editor keeps the audience fixed: no groups to choose.
    await page.getByRole('link', { name: 'Edit draft' }).click();
    await page.getByTestId('resend-audience').waitFor();
    expect(await page.getByRole('checkbox', { name: /Regulars/ }).count()).toBe(0);
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-campaign-resend-edit');
    await page.close();
  });

  it('the templates page lists, adds, edits and deletes templates', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signUp(page, t.server.url, uniqueEmail('templates'));
    await seed(page);
    await page.goto(`${t.server.url}/campaigns`);
    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('heading', { level: 1, name: 'Templates' }).waitFor();
    const list = page.getByTestId('templates').getByRole('listitem');
    await expect.poll(() => list.count()).toBe(1);

    const form = page.getByRole('form', { name: 'New template' });
    await form.getByLabel('Name').fill('Reminder');
    await form.getByLabel('Text').fill('Hi {{nickname}}, see you tomorrow');
    await form.getByRole('button', { name: 'Add template' }).click();
    // An unknown placeholder is refused, named under the text.
    await expect.poll(() => form.getByLabel('Text').getAttribute('aria-invalid')).toBe('true');
    expect(await form.locator('.field-error').textContent()).toMatch(/nickname/);
    await form.getByLabel('Text').fill('Hi {{first_name|there}}, see you tomorrow at 10:00');
    expect(await page.getByTestId('counter-new').textContent()).toMatch(/^GSM-7 · \d+ characters · 1 part/);
    await form.getByRole('button', { name: 'Add template' }).click();
    await expect.poll(() => list.count()).toBe(2);

    await list.filter({ hasText: 'Reminder' }).getByRole('button', { name: 'Edit Reminder' }).click();
    const edit = page.getByRole('form', { name: 'Edit Reminder' });
    await edit.getByLabel('Name').fill('Reminder (10:00)');
    await edit.getByRole('button', { name: 'Save template' }).click();
    await list.filter({ hasText: 'Reminder (10:00)' }).waitFor();
    expect(await scrollWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-templates');

    await list.filter({ hasText: 'Weekend' }).getByRole('button', { name: 'Delete Weekend' }).click();
    await expect.poll(() => list.count()).toBe(1);
    expect(await list.first().textContent()).toMatch(/Reminder \(10:00\)/);
    await page.setViewportSize({ width: 1280, height: 800 });
    await screenshot(page, 'desktop-templates');
    await page.close();
  });
});
