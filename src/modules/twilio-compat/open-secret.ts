import type { Logger } from '../../kernel/logger';
import type { SecretBox } from '../../kernel/secret-box';

/**
 * A stored API key, opened to sign with, or null when it does not open under this process's secrets key
 * (a database restored without its `secrets.key`, a changed SECRETS_KEY): what needed it is skipped with a
 * warning, and whatever raised it (a status change, a received message) goes on.
 */
export function openOrNull(
  secrets: SecretBox,
  sealed: string,
  logger: Pick<Logger, 'warn'>,
  what: string,
): string | null {
  try {
    return secrets.open(sealed);
  } catch (error) {
    logger.warn({ err: error }, `a Twilio-compatible signing key does not open; ${what} skipped`);
    return null;
  }
}
