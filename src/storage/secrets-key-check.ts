import type { Db } from './database';

const KEY = 'secrets_key_fingerprint';

export class SecretsKeyMismatch extends Error {
  override name = 'SecretsKeyMismatch';
}

/**
 * Binds the database to the key that seals its stored secrets: the first process to start records the
 * key's fingerprint, and a process started later with another key (a machine without the shared
 * `SECRETS_KEY`, a restore beside a new `secrets.key`) refuses to start, instead of failing on every
 * route credential, 2FA secret and signing key it could not open.
 */
export async function claimSecretsKey(db: Db, fingerprint: string, now: number): Promise<void> {
  await db
    .insertInto('platform_settings')
    .values({ key: KEY, value: fingerprint, updated_at: now })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db
    .selectFrom('platform_settings')
    .select('value')
    .where('key', '=', KEY)
    .executeTakeFirst();
  if (row && row.value !== fingerprint)
    throw new SecretsKeyMismatch(
      'The secrets key (SECRETS_KEY, or DATA_DIR/secrets.key) is not the one this database was started with: ' +
        'its stored credentials were sealed under another. Give every process the same key (copy secrets.key ' +
        'or set SECRETS_KEY from the machine that ran first); see the README, "Backups and restores".',
    );
}
