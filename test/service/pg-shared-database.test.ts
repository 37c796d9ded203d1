import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openTestStorage } from '../helpers/storage';

const URL = process.env.TEST_DATABASE_URL;

/**
 * Several deployments (or parallel test files) may share one PostgreSQL database, each in its own
 * schema. Migrating ours must not depend on the others standing still: a schema dropped by another
 * client while our migrator looks for its tables once failed our migration ("relation … does not
 * exist", "schema … does not exist").
 */
describe.skipIf(!URL)('one PostgreSQL database shared by several schemas', () => {
  it('migrates while another client creates and drops schemas full of tables', async () => {
    const churn = new pg.Client({ connectionString: URL });
    await churn.connect();
    let stop = false;
    let dropped = 0;
    const churning = (async () => {
      while (!stop) {
        const name = `churn_${process.pid}_${dropped}`;
        const tables = Array.from(
          { length: 40 },
          (_, i) => `create table ${name}.t${i} (id serial primary key)`,
        );
        await churn.query(`create schema ${name}; ${tables.join('; ')}`);
        await churn.query(`drop schema ${name} cascade`);
        dropped++;
      }
    })();
    try {
      const t = await openTestStorage('postgres');
      try {
        // What the migrator asks before each run, many times over while the other schemas come and go.
        for (let i = 0; i < 60; i++) {
          const tables = await t.storage.db.introspection.getTables({ withInternalKyselyTables: true });
          expect(tables.map((x) => x.name)).toContain('messages');
          expect(new Set(tables.map((x) => x.schema))).toEqual(new Set([t.pgSchema]));
        }
        await t.storage.migrate();
      } finally {
        await t.dispose();
      }
      expect(dropped).toBeGreaterThan(0);
    } finally {
      stop = true;
      await churning;
      await churn.end();
    }
  }, 120_000);
});
