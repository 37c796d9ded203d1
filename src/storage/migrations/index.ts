import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_foundation';
import * as m0002 from './0002_messaging';
import * as m0003 from './0003_webhooks';
import * as m0004 from './0004_inbound';
import * as m0005 from './0005_routing';
import * as m0006 from './0006_contacts';

/** Migrations in order. Each is applied once, on both dialects; never edit one that has shipped. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_foundation': m0001,
  '0002_messaging': m0002,
  '0003_webhooks': m0003,
  '0004_inbound': m0004,
  '0005_routing': m0005,
  '0006_contacts': m0006,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
