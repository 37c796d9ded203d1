/**
 * The README's SMPP promise end to end: credentials made on the Developers page, a stock SMPP client (the
 * `smpp` npm package) binds to the running server, sends a long Unicode text in UDH parts, receives its
 * delivery receipt and, after a simulated reply from the recipient, the reply, all as deliver_sm.
 */

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/server-process';
import { connectSmpp } from '../helpers/smpp-client';
import { launchBrowser, signUp, startTestServer, type TestServer, uniqueEmail } from './helpers';

const TEXT =
  'Ваш заказ 42 отправлен. Спасибо, что выбрали нас! Ответьте на это сообщение, если есть вопросы 🙂';

describe('SMPP credentials from the Developers page', () => {
  let browser: Browser;
  let t: TestServer;
  let smppPort: number;
  beforeAll(async () => {
    smppPort = await freePort();
    [t, browser] = await Promise.all([startTestServer([], { SMPP_PORT: String(smppPort) }), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('creates a credential, binds with it, sends a long Unicode text and gets its receipt and a reply', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const base = t.server.url;
    await signUp(page, base, uniqueEmail('smpp'));
    await page.goto(`${base}/developers`);
    await page.getByLabel('system_id (optional)').fill('webshop');
    await page.getByRole('button', { name: 'Create SMPP credential' }).click();
    const password = (await page.getByTestId('new-smpp-password').textContent())!.trim();
    expect(password).toMatch(/^[A-Za-z0-9]{8}$/);

    const c = await connectSmpp(`smpp://127.0.0.1:${smppPort}`);
    const { delivered, request } = c;
    try {
      expect((await request('bind_transceiver', { system_id: 'webshop', password })).command_status).toBe(0);
      const parts = TEXT.match(/[\s\S]{1,60}/gu)!;
      const ids: string[] = [];
      for (const [i, message] of parts.entries()) {
        const r = await request('submit_sm', {
          destination_addr: '37120000078',
          source_addr: 'Acme',
          source_addr_ton: 5,
          registered_delivery: 1,
          data_coding: 8,
          short_message: { udh: Buffer.from([5, 0, 3, 42, parts.length, i + 1]), message },
        });
        expect(r.command_status).toBe(0);
        ids.push(r.message_id as string);
      }
      expect(new Set(ids).size).toBe(1);
      await expect.poll(() => delivered.length, { timeout: 15_000 }).toBe(1);
      const receipt = delivered[0]!;
      expect(receipt.receipted_message_id).toBe(ids[0]);
      expect((receipt.short_message as { message: string }).message).toMatch(
        new RegExp(
          `^id:${ids[0]} sub:001 dlvrd:001 submit date:\\d{10} done date:\\d{10} stat:DELIVRD err:000 text:`,
        ),
      );

      // The page lists the bind; the message page simulates the recipient's reply.
      await page.reload();
      await page.getByText('1 of 4 binds connected (transceiver').waitFor();
      await page.goto(`${base}/messages/${ids[0]}`);
      await page.getByRole('button', { name: 'Simulate a reply' }).click();
      await page.getByLabel('Reply from +37120000078').fill('Спасибо, получил!');
      await page.getByRole('button', { name: 'Send the reply' }).click();
      await expect.poll(() => delivered.length, { timeout: 15_000 }).toBe(2);
      const reply = delivered[1]!;
      expect([reply.esm_class, reply.source_addr, reply.destination_addr]).toEqual([
        0,
        '37120000078',
        'Acme',
      ]);
      expect((reply.short_message as { message: string }).message).toBe('Спасибо, получил!');
      const text = await page.evaluate(async (id) => {
        const r = await fetch(`/v1/messages/${id}`);
        return ((await r.json()) as { text: string }).text;
      }, ids[0]);
      expect(text).toBe(TEXT);
    } finally {
      c.close();
      await page.close();
    }
  });
});
