import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRETS_KEY_BYTES } from '../../kernel/secret-box';

/**
 * The key that seals stored secrets: `SECRETS_KEY` (32 bytes as 64 hex digits or base64) when set, as every
 * process of a deployment on several machines must share it; otherwise `DATA_DIR/secrets.key`, made (mode
 * 0600) by the first process that needs it and read by the others on the same machine.
 */
export function loadSecretsKey(config: { SECRETS_KEY?: string | undefined; DATA_DIR: string }): Buffer {
  if (config.SECRETS_KEY) {
    const text = config.SECRETS_KEY.trim();
    const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
    if (key.length !== SECRETS_KEY_BYTES)
      throw new Error('SECRETS_KEY must be 32 bytes: 64 hex digits or 44 characters of base64');
    return key;
  }
  const file = join(config.DATA_DIR, 'secrets.key');
  // Written whole under another name, then linked in place: two processes starting at once never see a
  // half-written key, and the second keeps the first's (the link fails when the name is taken).
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, randomBytes(SECRETS_KEY_BYTES).toString('hex'), { mode: 0o600 });
    try {
      linkSync(partial, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(partial, { force: true });
    }
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  if (key.length !== SECRETS_KEY_BYTES)
    throw new Error(`${file} does not hold a 32-byte key (64 hex digits)`);
  return key;
}
