import { AppError } from '../../kernel/errors';
import { chunks } from '../../storage/chunk';
import type { DbOrTx } from '../../storage/database';
import type { ContactGroupsTable } from '../../storage/schema-contacts';
import type { ClientActor } from '../accounts';
import { auditActorOf } from '../audit';
import { type ContactsDeps, iso, MAX_BULK_IDS } from './shared';

export interface GroupView {
  id: string;
  name: string;
  description: string | null;
  /** Live (not deleted) contacts in the group. */
  memberCount: number;
  createdAt: string;
  updatedAt: string;
}

/** Static groups of contacts and their membership. */
export function createGroups(deps: ContactsDeps) {
  const { db, clock, ids, audit } = deps;

  async function ownGroup(tx: DbOrTx, accountId: string, id: string): Promise<ContactGroupsTable> {
    const row = await tx
      .selectFrom('contact_groups')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', 'No such group.');
    return row;
  }

  async function counts(tx: DbOrTx, groupIds: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (groupIds.length === 0) return out;
    const rows = await tx
      .selectFrom('group_members')
      .innerJoin('contacts', 'contacts.id', 'group_members.contact_id')
      .select(['group_members.group_id as groupId', (eb) => eb.fn.countAll<number>().as('n')])
      .where('group_members.group_id', 'in', groupIds)
      .where('contacts.deleted_at', 'is', null)
      .groupBy('group_members.group_id')
      .execute();
    for (const r of rows) out.set(r.groupId, Number(r.n));
    return out;
  }

  async function views(tx: DbOrTx, rows: ContactGroupsTable[]): Promise<GroupView[]> {
    const n = await counts(
      tx,
      rows.map((r) => r.id),
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      memberCount: n.get(r.id) ?? 0,
      createdAt: iso(r.created_at),
      updatedAt: iso(r.updated_at),
    }));
  }

  async function one(tx: DbOrTx, row: ContactGroupsTable): Promise<GroupView> {
    return (await views(tx, [row]))[0]!;
  }

  /** The account's live contacts among `contactIds`; anything else (foreign, unknown, deleted) is dropped. */
  async function ownLiveContacts(tx: DbOrTx, accountId: string, contactIds: string[]): Promise<string[]> {
    const found: string[] = [];
    for (const part of chunks([...new Set(contactIds)].slice(0, MAX_BULK_IDS), 500)) {
      const rows = await tx
        .selectFrom('contacts')
        .select('id')
        .where('account_id', '=', accountId)
        .where('deleted_at', 'is', null)
        .where('id', 'in', part)
        .execute();
      found.push(...rows.map((r) => r.id));
    }
    return found;
  }

  return {
    async create(actor: ClientActor, input: { name: string; description?: string | null | undefined }) {
      return db.transaction().execute(async (tx) => {
        const now = clock.now();
        const row: ContactGroupsTable = {
          id: ids('grp'),
          account_id: actor.accountId,
          name: input.name,
          description: input.description ?? null,
          created_at: now,
          updated_at: now,
        };
        await tx.insertInto('contact_groups').values(row).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'group.created',
          target: { type: 'group', id: row.id },
        });
        return one(tx, row);
      });
    },

    /** Every group of the account: id → name (the CSV export writes names, which an import can map). */
    async namesById(actor: ClientActor): Promise<Map<string, string>> {
      const rows = await db
        .selectFrom('contact_groups')
        .select(['id', 'name'])
        .where('account_id', '=', actor.accountId)
        .execute();
      return new Map(rows.map((r) => [r.id, r.name]));
    },

    async get(actor: ClientActor, id: string): Promise<GroupView> {
      return one(db, await ownGroup(db, actor.accountId, id));
    },

    async list(
      actor: ClientActor,
      page: { limit: number; cursor?: string | undefined },
    ): Promise<GroupView[]> {
      let q = db
        .selectFrom('contact_groups')
        .selectAll()
        .where('account_id', '=', actor.accountId)
        .orderBy('id', 'desc')
        .limit(page.limit);
      if (page.cursor) q = q.where('id', '<', page.cursor);
      return views(db, await q.execute());
    },

    async update(
      actor: ClientActor,
      id: string,
      patch: { name?: string | undefined; description?: string | null | undefined },
    ): Promise<GroupView> {
      return db.transaction().execute(async (tx) => {
        await ownGroup(tx, actor.accountId, id);
        const set: Partial<ContactGroupsTable> = { updated_at: clock.now() };
        if (patch.name !== undefined) set.name = patch.name;
        if (patch.description !== undefined) set.description = patch.description;
        await tx.updateTable('contact_groups').set(set).where('id', '=', id).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'group.updated',
          target: { type: 'group', id },
          data: { changed: Object.keys(set).filter((k) => k !== 'updated_at') },
        });
        return one(tx, await ownGroup(tx, actor.accountId, id));
      });
    },

    /** Deletes the group and its memberships; the contacts stay. */
    async remove(actor: ClientActor, id: string): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await ownGroup(tx, actor.accountId, id);
        await tx.deleteFrom('group_members').where('group_id', '=', id).execute();
        await tx.deleteFrom('contact_groups').where('id', '=', id).execute();
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'group.deleted',
          target: { type: 'group', id },
        });
      });
    },

    /** Adds contacts to a group; ids that are not live contacts of the account are ignored (never added). */
    async addMembers(actor: ClientActor, id: string, contactIds: string[], note?: Record<string, unknown>) {
      return db.transaction().execute(async (tx) => {
        const group = await ownGroup(tx, actor.accountId, id);
        const own = await ownLiveContacts(tx, actor.accountId, contactIds);
        const now = clock.now();
        let added = 0;
        for (const part of chunks(own, 500)) {
          const r = await tx
            .insertInto('group_members')
            .values(
              part.map((c) => ({ group_id: id, contact_id: c, account_id: actor.accountId, added_at: now })),
            )
            .onConflict((oc) => oc.columns(['group_id', 'contact_id']).doNothing())
            .executeTakeFirst();
          added += Number(r.numInsertedOrUpdatedRows ?? 0);
        }
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'group.members_added',
          target: { type: 'group', id },
          data: { contactIds: own, ...note },
        });
        return { added, ignored: new Set(contactIds).size - own.length, group: await one(tx, group) };
      });
    },

    async removeMembers(
      actor: ClientActor,
      id: string,
      contactIds: string[],
      note?: Record<string, unknown>,
    ) {
      return db.transaction().execute(async (tx) => {
        const group = await ownGroup(tx, actor.accountId, id);
        const unique = [...new Set(contactIds)].slice(0, MAX_BULK_IDS);
        let removed = 0;
        for (const part of chunks(unique, 500)) {
          const r = await tx
            .deleteFrom('group_members')
            .where('group_id', '=', id)
            .where('account_id', '=', actor.accountId)
            .where('contact_id', 'in', part)
            .executeTakeFirst();
          removed += Number(r.numDeletedRows ?? 0);
        }
        await audit.record(tx, {
          accountId: actor.accountId,
          actor: auditActorOf(actor),
          action: 'group.members_removed',
          target: { type: 'group', id },
          data: { contactIds: unique, ...note },
        });
        return { removed, group: await one(tx, group) };
      });
    },
  };
}

export type Groups = ReturnType<typeof createGroups>;
