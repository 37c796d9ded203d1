import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_foundation';

/** Migrations in order. Each is applied once, on both dialects; never edit one that has shipped. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_foundation': m0001,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
