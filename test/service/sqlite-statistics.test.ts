import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openStorage } from '../../src/storage/database';

// Without statistics SQLite guesses its query plans; the storage gathers them when it opens (after the
// migrations) and every hour.
describe('SQLite statistics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smsgate-stats-'));
  const url = `sqlite:${join(dir, 'stats.db')}`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are gathered for the tables that hold rows when the storage opens', async () => {
    const first = openStorage(url, { sqliteSynchronous: 'NORMAL' });
    await first.migrate();
    await first.db
      .insertInto('login_failures')
      .values(
        Array.from({ length: 2000 }, (_, i) => ({
          id: `lf_${i}`,
          email: `user${i % 50}@example.com`,
          ip: `10.0.0.${i % 7}`,
          at: i,
        })),
      )
      .execute();
    await first.close();

    const second = openStorage(url, { sqliteSynchronous: 'NORMAL' });
    await second.migrate();
    const { rows } = await sql<{ idx: string; stat: string }>`
      select idx, stat from sqlite_stat1 where tbl = 'login_failures'`.execute(second.db);
    await second.close();
    expect(rows.length).toBeGreaterThan(0);
    // Every row of the table was counted.
    for (const r of rows) expect(r.stat.split(' ')[0]).toBe('2000');
  });
});
