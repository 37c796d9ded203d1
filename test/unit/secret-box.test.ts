import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSecretsKey } from '../../src/adapters/secrets/key-file';
import { createSecretBox, SecretBoxError } from '../../src/kernel/secret-box';

describe('sealed secrets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smsgate-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const key = Buffer.alloc(32, 7);

  it('opens what it sealed, never shows the secret, and seals the same text differently each time', () => {
    const box = createSecretBox(key);
    const a = box.seal('sk_live_secret-value');
    const b = box.seal('sk_live_secret-value');
    expect(a).not.toBe(b);
    expect(a).not.toContain('secret-value');
    expect(box.open(a)).toBe('sk_live_secret-value');
    expect(box.open(b)).toBe('sk_live_secret-value');
  });

  it('refuses a text sealed under another key, changed, cut short or never sealed', () => {
    const sealed = createSecretBox(key).seal('x');
    expect(() => createSecretBox(Buffer.alloc(32, 8)).open(sealed)).toThrow(SecretBoxError);
    const flipped = `${sealed.slice(0, -2)}${sealed.endsWith('AA') ? 'AB' : 'AA'}`;
    expect(() => createSecretBox(key).open(flipped)).toThrow(SecretBoxError);
    expect(() => createSecretBox(key).open('sb1:abc')).toThrow(SecretBoxError);
    expect(() => createSecretBox(key).open('plain-key')).toThrow(SecretBoxError);
    expect(() => createSecretBox(Buffer.alloc(16))).toThrow(SecretBoxError);
  });

  it('takes SECRETS_KEY (hex or base64), else makes DATA_DIR/secrets.key once, readable by its owner only', () => {
    const hex = 'ab'.repeat(32);
    expect(loadSecretsKey({ SECRETS_KEY: hex, DATA_DIR: dir }).toString('hex')).toBe(hex);
    expect(loadSecretsKey({ SECRETS_KEY: Buffer.alloc(32, 1).toString('base64'), DATA_DIR: dir })).toEqual(
      Buffer.alloc(32, 1),
    );
    expect(() => loadSecretsKey({ SECRETS_KEY: 'too-short', DATA_DIR: dir })).toThrow(/32 bytes/);
    const first = loadSecretsKey({ DATA_DIR: dir });
    const file = join(dir, 'secrets.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe(first.toString('hex'));
    expect(loadSecretsKey({ DATA_DIR: dir })).toEqual(first);
  });
});
