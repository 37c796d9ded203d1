/**
 * The SMPP server against a second, independent client: Debian's Net::SMPP (Perl, `libnet-smpp-perl`,
 * installed by .ci/run) binds, submits, receives the receipt as deliver_sm and unbinds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmppCredential } from '../helpers/smpp-client';
import { DIALECTS } from '../helpers/storage';
import { signup, startTestSystem, type TestSystem } from '../helpers/system';

const HAS_NET_SMPP = spawnSync('perl', ['-MNet::SMPP', '-e1']).status === 0;
const SCRIPT = join(__dirname, '..', 'peers', 'net-smpp-client.pl');

describe.runIf(HAS_NET_SMPP).each(DIALECTS)('Net::SMPP against the SMPP server on %s', (dialect) => {
  let ts: TestSystem;
  let port: number;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, { SIMULATOR_DELIVERY_DELAY_MS: '1000' });
    port = (await ts.system.startSmpp({ port: 0 })).port!;
  });
  afterAll(async () => {
    await ts?.close();
  });

  it('binds, submits, reads the receipt and unbinds', async () => {
    const s = await signup(ts.app);
    const cred = await createSmppCredential(ts.app, s.headers);
    const child = spawn('perl', [
      SCRIPT,
      '127.0.0.1',
      String(port),
      cred.systemId,
      cred.password,
      '37121234567',
      'Hello from Perl',
    ]);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const until = async (pattern: RegExp) => {
      const deadline = Date.now() + 15_000;
      while (!pattern.test(out)) {
        if (Date.now() > deadline) throw new Error(`Net::SMPP printed ${out} ${err}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await until(/SUBMITTED/);
    const id = /SUBMITTED status=0 id=(msg_\w+)/.exec(out)?.[1];
    expect(id, out).toBeDefined();
    const row = await ts.system.storage.db
      .selectFrom('messages')
      .select(['text', 'sender', 'to_number'])
      .where('id', '=', id!)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ text: 'Hello from Perl', sender: 'PERL', to_number: '+37121234567' });

    await ts.system.workOnce();
    ts.clock.advance(1001);
    await ts.system.workOnce();
    await until(/UNBOUND/);
    expect(await exited).toBe(0);
    expect(out).toMatch(
      new RegExp(
        `DELIVER esm_class=4 text=id:${id} sub:001 dlvrd:001 submit date:\\d{10} done date:\\d{10} stat:DELIVRD err:000 text:Hello from Perl`,
      ),
    );
    expect(out).toMatch(/UNBOUND status=0/);
  });
});
