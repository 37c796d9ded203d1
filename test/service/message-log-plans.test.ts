import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestStorage, type TestStorage } from '../helpers/storage';

/**
 * The message log's filtered pages (newest first, `read.ts`) are served by an index that matches the
 * filter and the order: otherwise a page of a big account walks its messages until it has enough, or
 * sorts every message of a big campaign.
 */
describe('message log query plans on SQLite', () => {
  let t: TestStorage;
  beforeAll(async () => {
    t = await openTestStorage('sqlite');
  });
  afterAll(async () => {
    await t?.dispose();
  });

  async function plan(filter: 'campaign_id' | 'sender'): Promise<string> {
    const page = t.storage.db
      .selectFrom('messages')
      .selectAll()
      .where('account_id', '=', 'acc_1')
      .where('deleted_at', 'is', null)
      .where(filter, '=', 'x')
      .orderBy('id', 'desc')
      .limit(50)
      .compile();
    const explained = await t.storage.db.executeQuery<{ detail: string }>(
      CompiledQuery.raw(`explain query plan ${page.sql}`, [...page.parameters]),
    );
    return explained.rows.map((r) => r.detail).join('\n');
  }

  it('a campaign page reads the campaign index in id order, with no sort', async () => {
    const p = await plan('campaign_id');
    expect(p).toContain('messages_campaign_id');
    expect(p).not.toContain('TEMP B-TREE');
  });

  it('a sender page reads the sender index in id order, with no sort', async () => {
    const p = await plan('sender');
    expect(p).toContain('messages_account_sender');
    expect(p).not.toContain('TEMP B-TREE');
  });
});
