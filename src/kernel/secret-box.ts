import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Secrets the platform must be able to read back (a credential it signs with for a client), sealed before
 * they are stored: AES-256-GCM under a key kept outside the database, so that a copy of the database (a
 * backup, a dump, a stolen disk image of it) does not hand them out.
 */
export interface SecretBox {
  seal(plain: string): string;
  /** Throws SecretBoxError when the text was not sealed under this key or was changed. */
  open(sealed: string): string;
  /** Names the key without giving it away: the same key always gives the same fingerprint. */
  fingerprint(): string;
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

/** The bytes of a secrets key: 32 of them. */
export const SECRETS_KEY_BYTES = 32;
const PREFIX = 'sb1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function createSecretBox(key: Uint8Array): SecretBox {
  if (key.length !== SECRETS_KEY_BYTES)
    throw new SecretBoxError(`a secrets key has ${SECRETS_KEY_BYTES} bytes`);
  const k = Buffer.from(key);
  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', k, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed) {
      if (!sealed.startsWith(PREFIX)) throw new SecretBoxError('not a sealed secret');
      const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES) throw new SecretBoxError('a sealed secret cut short');
      try {
        const decipher = createDecipheriv('aes-256-gcm', k, raw.subarray(0, IV_BYTES));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([
          decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)),
          decipher.final(),
        ]).toString('utf8');
      } catch {
        throw new SecretBoxError('sealed under another key, or changed');
      }
    },
    fingerprint() {
      return createHmac('sha256', k).update('smsgate secrets key fingerprint').digest('hex').slice(0, 32);
    },
  };
}

/** Whether a stored text is a sealed secret (older rows may hold one in clear, sealed at the next start). */
export function isSealed(text: string): boolean {
  return text.startsWith(PREFIX);
}

/** A stored secret in clear: opened when sealed, as it is when it predates sealing. */
export function openStored(box: SecretBox, stored: string): string {
  return isSealed(stored) ? box.open(stored) : stored;
}
