/**
 * Writes one batch of checked rows of an import in one transaction: new contacts (multi-row insert compiled
 * once per size), updates of existing ones, tags, group memberships (named groups created when asked),
 * the rows' problems, and the checkpoint with its renewed lease.
 */
import { CompiledQuery, sql } from 'kysely';
import { chunks } from '../../../storage/chunk';
import type { Tx } from '../../../storage/database';
import type { ContactsTable } from '../../../storage/schema-contacts';
import type { ImportsTable } from '../../../storage/schema-imports';
import { newContactRow, setSearchable } from '../contacts';
import type { FieldValue } from '../fields';
import type { ImportsContext } from './import-context';
import type { ImportMapping } from './mapping';
import type { RowBatch } from './row-batches';

/** The import stopped because another worker owns it now (this one was too slow and lost its lease). */
export class LeaseLost extends Error {}

export function createBatchWriter(ctx: ImportsContext) {
  const { clock, ids, audit, batchTransaction } = ctx;

  /**
   * Multi-row insert of contacts with its SQL compiled once per row count: building and compiling a
   * query of 18,000 values costs more than running it, a million rows at a time.
   */
  const insertSql = new Map<number, { text: string; columns: Array<keyof ContactsTable> }>();
  async function insertContacts(tx: Tx, rows: ContactsTable[]): Promise<void> {
    let compiled = insertSql.get(rows.length);
    if (!compiled) {
      compiled = {
        text: tx.insertInto('contacts').values(rows).compile().sql,
        columns: Object.keys(rows[0]!) as Array<keyof ContactsTable>,
      };
      if (insertSql.size < 64) insertSql.set(rows.length, compiled);
    }
    const params: unknown[] = [];
    for (const row of rows) for (const column of compiled.columns) params.push(row[column]);
    await tx.executeQuery(CompiledQuery.raw(compiled.text, params));
  }

  /**
   * Group memberships from the rows' `groups` column (names): `memberIds[i]` is the contact of
   * `batch.rows[i]`. A name the account lacks is created with `createGroups`, otherwise reported on the
   * row (the contact is imported without that group; the report line does not count as a failed row).
   */
  async function namedGroupMemberships(
    tx: Tx,
    imp: ImportsTable,
    batch: RowBatch,
    memberIds: string[],
    now: number,
  ): Promise<Array<{ group_id: string; contact_id: string; account_id: string; added_at: number }>> {
    const names = new Set<string>();
    for (const r of batch.rows) for (const g of r.groups) names.add(g);
    if (names.size === 0) return [];
    const accountId = imp.account_id;
    const byName = new Map<string, string>();
    for (const part of chunks([...names], 500)) {
      const found = await tx
        .selectFrom('contact_groups')
        .select(['id', 'name'])
        .where('account_id', '=', accountId)
        .where('name', 'in', part)
        .orderBy('id')
        .execute();
      // Names are not unique: the oldest group of a name is the one meant.
      for (const g of found) if (!byName.has(g.name)) byName.set(g.name, g.id);
    }
    const missing = [...names].filter((n) => !byName.has(n));
    if (missing.length > 0 && Number(imp.create_groups) === 1) {
      const created = missing.map((name) => ({
        id: ids('grp'),
        account_id: accountId,
        name,
        description: null,
        created_at: now,
        updated_at: now,
      }));
      for (const part of chunks(created, 500)) await tx.insertInto('contact_groups').values(part).execute();
      for (const g of created) {
        byName.set(g.name, g.id);
        await audit.record(tx, {
          accountId,
          actor: { type: 'system', id: null },
          action: 'group.created',
          target: { type: 'group', id: g.id },
          data: { importId: imp.id },
        });
      }
    }
    const mapping = JSON.parse(imp.mapping) as ImportMapping;
    const column = Object.keys(mapping).find((header) => mapping[header] === 'groups') ?? null;
    const rows: Array<{ group_id: string; contact_id: string; account_id: string; added_at: number }> = [];
    batch.rows.forEach((r, i) => {
      for (const name of r.groups) {
        const groupId = byName.get(name);
        if (groupId)
          rows.push({ group_id: groupId, contact_id: memberIds[i]!, account_id: accountId, added_at: now });
        else
          batch.errors.push({
            row: r.row,
            column,
            message: `no group named "${name}": the contact was imported without it (import with createGroups=true to create it)`,
            level: 'warning',
          });
      }
    });
    return rows;
  }

  /** Writes one batch and moves the checkpoint, in one transaction. Returns whether a cancel was asked. */
  async function commitBatch(imp: ImportsTable, lease: number, batch: RowBatch, nextLease: number) {
    const accountId = imp.account_id;
    const now = clock.now();
    return batchTransaction(async (tx) => {
      const state = await tx
        .selectFrom('imports')
        .select(['lease_until', 'cancel_requested', 'status'])
        .where('id', '=', imp.id)
        .executeTakeFirstOrThrow();
      if (Number(state.lease_until) !== lease || state.status !== 'running') throw new LeaseLost();

      const existing = new Map<
        string,
        Pick<ContactsTable, 'id' | 'fields' | 'tags' | 'first_name' | 'last_name'>
      >();
      for (const part of chunks(
        batch.rows.map((r) => r.phone),
        1000,
      )) {
        if (part.length === 0) continue;
        const found = await tx
          .selectFrom('contacts')
          .select(['id', 'phone', 'fields', 'tags', 'first_name', 'last_name'])
          .where('account_id', '=', accountId)
          .where('deleted_at', 'is', null)
          .where('phone', 'in', part)
          .execute();
        for (const f of found) existing.set(f.phone, f);
      }
      const inserts: ContactsTable[] = [];
      const tagRows: Array<{ account_id: string; contact_id: string; tag: string }> = [];
      const memberIds: string[] = [];
      let updated = 0;
      let skipped = 0;
      for (const r of batch.rows) {
        const current = existing.get(r.phone);
        if (!current) {
          const row = newContactRow({
            id: ids('ctc'),
            accountId,
            phone: r.phone,
            firstName: r.firstName,
            lastName: r.lastName,
            email: r.email,
            country: r.country,
            address: r.address,
            fields: r.fields,
            tags: r.tags,
            createdBy: imp.created_by,
            now,
          });
          inserts.push(row);
          for (const tag of r.tags) tagRows.push({ account_id: accountId, contact_id: row.id, tag });
          memberIds.push(row.id);
          continue;
        }
        memberIds.push(current.id);
        if (imp.on_duplicate === 'skip') {
          skipped++;
          continue;
        }
        // Update: cells with a value replace the stored one; empty cells leave it; fields merge; tags add up.
        const set: Partial<ContactsTable> = { updated_at: now };
        // An empty cell (null) keeps the stored value.
        setSearchable(
          set,
          {
            firstName: r.firstName ?? undefined,
            lastName: r.lastName ?? undefined,
            email: r.email ?? undefined,
          },
          current,
        );
        if (r.address !== null) set.address = r.address;
        if (r.country !== null) set.country = r.country;
        if (Object.keys(r.fields).length > 0) {
          set.fields = JSON.stringify(
            Object.assign(JSON.parse(current.fields) as Record<string, FieldValue>, r.fields),
          );
        }
        if (r.tags.length > 0) {
          const tags = JSON.parse(current.tags) as string[];
          const added = r.tags.filter((t) => !tags.includes(t));
          if (added.length > 0) {
            set.tags = JSON.stringify([...tags, ...added]);
            for (const tag of added) tagRows.push({ account_id: accountId, contact_id: current.id, tag });
          }
        }
        await tx.updateTable('contacts').set(set).where('id', '=', current.id).execute();
        updated++;
      }
      // 18 columns a row: 1000 rows stay far below SQLite's 32,766 bound parameters.
      for (const part of chunks(inserts, 1000)) await insertContacts(tx, part);
      for (const part of chunks(tagRows, 5000)) {
        await tx
          .insertInto('contact_tags')
          .values(part)
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      const memberships = await namedGroupMemberships(tx, imp, batch, memberIds, now);
      for (const part of chunks(memberships, 5000)) {
        await tx
          .insertInto('group_members')
          .values(part)
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      if (imp.group_id) {
        const groupId = imp.group_id;
        for (const part of chunks(memberIds, 5000)) {
          await tx
            .insertInto('group_members')
            .values(
              part.map((id) => ({ group_id: groupId, contact_id: id, account_id: accountId, added_at: now })),
            )
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
      }
      const warnedRows = new Set<number>();
      for (const e of batch.errors) if (e.level === 'warning') warnedRows.add(e.row);
      // 6 columns a row: far below SQLite's bound parameters.
      for (const part of chunks(batch.errors, 2000)) {
        await tx
          .insertInto('import_errors')
          .values(
            part.map((e) => ({
              import_id: imp.id,
              row: e.row,
              column: e.column,
              message: e.message,
              level: e.level ?? 'error',
              cells: e.cells ? JSON.stringify(e.cells) : null,
            })),
          )
          .execute();
      }
      await tx
        .updateTable('imports')
        .set({
          processed: sql`processed + ${batch.records}`,
          imported: sql`imported + ${inserts.length}`,
          updated: sql`updated + ${updated}`,
          skipped: sql`skipped + ${skipped}`,
          failed: sql`failed + ${batch.failed}`,
          warned: sql`warned + ${warnedRows.size}`,
          lease_until: nextLease,
        })
        .where('id', '=', imp.id)
        .execute();
      return Number(state.cancel_requested) === 1;
    });
  }

  return { commitBatch };
}

export type BatchWriter = ReturnType<typeof createBatchWriter>;
