/**
 * The SMPP server's TLS listener (SMPP_TLS_PORT with a certificate and key from files): the `smpp` package
 * binds over TLS and submits; a plain client on the TLS port gets nothing and the server stays up. One
 * dialect: nothing here touches the database differently from the plain listener's tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSmpp, createSmppCredential } from '../helpers/smpp-client';
import { signup, startTestSystem, type TestSystem } from '../helpers/system';

describe('the SMPP server over TLS', () => {
  let ts: TestSystem;
  let tlsPort: number;
  const dir = mkdtempSync(join(tmpdir(), 'smpp-tls-'));
  beforeAll(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    ts = await startTestSystem('sqlite', {
      SMPP_TLS_PORT: '0',
      SMPP_TLS_CERT: join(dir, 'cert.pem'),
      SMPP_TLS_KEY: join(dir, 'key.pem'),
    });
    const started = await ts.system.startSmpp();
    expect(started.port).toBeNull();
    tlsPort = started.tlsPort!;
  });
  afterAll(async () => {
    await ts?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('binds and submits over TLS; a plain client on that port is turned away', async () => {
    const plain = await new Promise<Buffer>((resolve) => {
      const socket = connect(tlsPort, '127.0.0.1', () => {
        const bind = Buffer.alloc(16);
        bind.writeUInt32BE(16, 0);
        bind.writeUInt32BE(0x09, 4);
        socket.write(bind);
      });
      let data = Buffer.alloc(0);
      socket.on('data', (d) => {
        data = Buffer.concat([data, d]);
      });
      socket.on('error', () => {});
      socket.on('close', () => resolve(data));
    });
    expect(plain.length === 0 || plain.readUInt32BE(4) !== 0x80000009).toBe(true);

    const s = await signup(ts.app);
    const cred = await createSmppCredential(ts.app, s.headers);
    const c = await connectSmpp(`ssmpp://127.0.0.1:${tlsPort}`, { rejectUnauthorized: false });
    const request = c.request;
    try {
      expect(
        (await request('bind_transceiver', { system_id: cred.systemId, password: cred.password }))
          .command_status,
      ).toBe(0);
      const r = await request('submit_sm', {
        destination_addr: '37121234567',
        short_message: 'Over TLS',
        data_coding: 0,
      });
      expect(r.command_status).toBe(0);
      expect(r.message_id).toMatch(/^msg_/);
    } finally {
      c.close();
    }
  });

  it('refuses a TLS port without a certificate and key at start', async () => {
    const { loadConfig } = await import('../../src/config');
    expect(() => loadConfig({ SMPP_TLS_PORT: '3550' })).toThrow(
      /SMPP_TLS_PORT: needs SMPP_TLS_CERT and SMPP_TLS_KEY/,
    );
  });
});
