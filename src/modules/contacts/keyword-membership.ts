import type { Clock } from '../../kernel/clock';
import type { IdGenerator } from '../../kernel/ids';
import type { DbOrTx } from '../../storage/database';
import { tryNormalizePhone } from '../phone';
import { newContactRow } from './contact-model';

/** Whether the group is one of the account's (a keyword rule may name only its own groups). */
export async function isOwnGroup(db: DbOrTx, accountId: string, groupId: string): Promise<boolean> {
  const row = await db
    .selectFrom('contact_groups')
    .select('id')
    .where('id', '=', groupId)
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Group membership changed by a person's own text (JOIN, LEAVE …): the sender becomes a contact of the
 * account when they were not one, so that the group they asked to join can reach them. Both calls are
 * safe to repeat: joining twice or leaving a group one is not in changes nothing.
 */
export function createKeywordMembership(deps: { clock: Clock; ids: IdGenerator }) {
  async function liveContact(tx: DbOrTx, accountId: string, phone: string) {
    return tx
      .selectFrom('contacts')
      .select('id')
      .where('account_id', '=', accountId)
      .where('phone', '=', phone)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  }

  return {
    /** Adds the sender to the group (making them a contact first); false when the group is gone. */
    async join(tx: DbOrTx, input: { accountId: string; phone: string; groupId: string }): Promise<boolean> {
      if (!(await isOwnGroup(tx, input.accountId, input.groupId))) return false;
      const now = deps.clock.now();
      let contact = await liveContact(tx, input.accountId, input.phone);
      if (!contact) {
        const parsed = tryNormalizePhone(input.phone);
        const row = newContactRow({
          id: deps.ids('ctc'),
          accountId: input.accountId,
          phone: input.phone,
          country: parsed.ok ? parsed.country : null,
          fields: {},
          tags: [],
          createdBy: null,
          now,
        });
        await tx.insertInto('contacts').values(row).execute();
        contact = { id: row.id };
      }
      await tx
        .insertInto('group_members')
        .values({
          group_id: input.groupId,
          contact_id: contact.id,
          account_id: input.accountId,
          added_at: now,
        })
        .onConflict((oc) => oc.columns(['group_id', 'contact_id']).doNothing())
        .execute();
      return true;
    },

    /** Removes the sender's contact from the group; answers whether they were in it. */
    async leave(tx: DbOrTx, input: { accountId: string; phone: string; groupId: string }): Promise<boolean> {
      const contact = await liveContact(tx, input.accountId, input.phone);
      if (!contact) return false;
      const r = await tx
        .deleteFrom('group_members')
        .where('group_id', '=', input.groupId)
        .where('account_id', '=', input.accountId)
        .where('contact_id', '=', contact.id)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}

export type KeywordMembership = ReturnType<typeof createKeywordMembership>;
