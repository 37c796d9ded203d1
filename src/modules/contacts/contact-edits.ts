/**
 * Writing the contact book: create (with tags and groups), read one, change, delete (restorable for 60
 * days) and restore. Every change is audited with names of what changed, never the values.
 */
import { AppError, type FieldError } from '../../kernel/errors';
import { chunks } from '../../storage/chunk';
import type { DbOrTx } from '../../storage/database';
import type { ContactsTable } from '../../storage/schema-contacts';
import type { ClientActor } from '../accounts';
import { auditActorOf } from '../audit';
import {
  type ContactDetail,
  type ContactInput,
  type ContactPatch,
  newContactRow,
  normalizeTags,
  setSearchable,
} from './contact-model';
import {
  addToGroups,
  assertPhoneFree,
  detail,
  fieldTypesOf,
  liveContact,
  ownGroups,
  setTags,
  withUniqueCheck,
} from './contact-store';
import { applyFieldValues, type FieldValue } from './fields';
import { type ContactsDeps, defaultCountryOf, MAX_BULK_IDS, phoneAt, RESTORE_WINDOW_MS } from './shared';

export function createContactEdits(deps: ContactsDeps) {
  const { db, clock, ids, audit } = deps;
  return {
    async create(actor: ClientActor, input: ContactInput): Promise<ContactDetail> {
      const accountId = actor.accountId;
      const phone = phoneAt(input.phone, await defaultCountryOf(db, accountId), '/body/phone');
      const now = clock.now();
      return withUniqueCheck(() =>
        db.transaction().execute(async (tx) => {
          const fields = applyFieldValues(await fieldTypesOf(tx, accountId), {}, input.fields ?? {});
          await assertPhoneFree(tx, accountId, phone.e164);
          const groupIds = await ownGroups(tx, accountId, input.groupIds ?? []);
          const tags = normalizeTags(input.tags ?? []);
          const row = newContactRow({
            id: ids('ctc'),
            accountId,
            phone: phone.e164,
            firstName: input.firstName,
            lastName: input.lastName,
            email: input.email,
            country: input.country ?? phone.country,
            address: input.address,
            avatarUrl: input.avatarUrl,
            fields,
            tags,
            createdBy: actor.id,
            now,
          });
          await tx.insertInto('contacts').values(row).execute();
          await setTags(tx, accountId, row.id, tags);
          await addToGroups(tx, accountId, row.id, groupIds, now);
          await audit.record(tx, {
            accountId,
            actor: auditActorOf(actor),
            action: 'contact.created',
            target: { type: 'contact', id: row.id },
            data: { groupIds },
          });
          return detail(tx, row);
        }),
      );
    },

    async get(actor: ClientActor, id: string): Promise<ContactDetail> {
      return detail(db, await liveContact(db, actor.accountId, id));
    },

    /** Changes a live contact; inside `within` when given (several changes that stand or fall together). */
    async update(
      actor: ClientActor,
      id: string,
      patch: ContactPatch,
      within?: DbOrTx,
    ): Promise<ContactDetail> {
      const accountId = actor.accountId;
      const phone =
        patch.phone !== undefined
          ? phoneAt(patch.phone, await defaultCountryOf(within ?? db, accountId), '/body/phone')
          : null;
      const inTransaction = <T>(run: (tx: DbOrTx) => Promise<T>) =>
        within ? run(within) : db.transaction().execute(run);
      return withUniqueCheck(() =>
        inTransaction(async (tx) => {
          const current = await liveContact(tx, accountId, id);
          const now = clock.now();
          const set: Partial<ContactsTable> = { updated_at: now };
          if (phone) {
            await assertPhoneFree(tx, accountId, phone.e164, id);
            set.phone = phone.e164;
            if (patch.country === undefined) set.country = phone.country;
          }
          setSearchable(set, patch, current);
          if (patch.country !== undefined) set.country = patch.country;
          if (patch.address !== undefined) set.address = patch.address;
          if (patch.avatarUrl !== undefined) set.avatar_url = patch.avatarUrl;
          if (patch.fields !== undefined) {
            const fields = applyFieldValues(
              await fieldTypesOf(tx, accountId),
              JSON.parse(current.fields) as Record<string, FieldValue>,
              patch.fields,
            );
            set.fields = JSON.stringify(fields);
          }
          if (patch.tags !== undefined) {
            const tags = normalizeTags(patch.tags);
            set.tags = JSON.stringify(tags);
            await setTags(tx, accountId, id, tags);
          }
          if (patch.groupIds !== undefined) {
            const groupIds = await ownGroups(tx, accountId, patch.groupIds);
            await tx.deleteFrom('group_members').where('contact_id', '=', id).execute();
            await addToGroups(tx, accountId, id, groupIds, now);
          }
          await tx.updateTable('contacts').set(set).where('id', '=', id).execute();
          await audit.record(tx, {
            accountId,
            actor: auditActorOf(actor),
            action: 'contact.updated',
            // Names of the changed attributes only: their values are personal data.
            target: { type: 'contact', id },
            data: { changed: Object.keys(patch).filter((k) => patch[k as keyof ContactPatch] !== undefined) },
          });
          return detail(tx, await liveContact(tx, accountId, id));
        }),
      );
    },

    /** Hides contacts at once (restorable for 60 days). Unknown, foreign or already deleted ids are skipped. */
    async remove(
      actor: ClientActor,
      idsToDelete: string[],
      note?: Record<string, unknown>,
    ): Promise<{ deleted: string[] }> {
      const accountId = actor.accountId;
      const unique = [...new Set(idsToDelete)].slice(0, MAX_BULK_IDS);
      return db.transaction().execute(async (tx) => {
        const now = clock.now();
        const rows = await tx
          .selectFrom('contacts')
          .select('id')
          .where('account_id', '=', accountId)
          .where('deleted_at', 'is', null)
          .where('id', 'in', unique)
          .execute();
        const deleted = rows.map((r) => r.id);
        if (deleted.length === 0) return { deleted };
        await tx
          .updateTable('contacts')
          .set({ deleted_at: now, updated_at: now })
          .where('account_id', '=', accountId)
          .where('id', 'in', deleted)
          .execute();
        await audit.record(tx, {
          accountId,
          actor: auditActorOf(actor),
          action: 'contacts.deleted',
          target: { type: 'contact', id: deleted[0]! },
          data: { contactIds: deleted, ...note },
        });
        return { deleted };
      });
    },

    /**
     * Brings deleted contacts back (within 60 days of their deletion). All or nothing: an id that is not a
     * restorable contact of the account answers 404, a number another live contact took meanwhile 409.
     */
    async restore(actor: ClientActor, idsToRestore: string[]): Promise<{ restored: string[] }> {
      const accountId = actor.accountId;
      const unique = [...new Set(idsToRestore)];
      return db.transaction().execute(async (tx) => {
        const now = clock.now();
        const rows = await tx
          .selectFrom('contacts')
          .select(['id', 'phone'])
          .where('account_id', '=', accountId)
          .where('deleted_at', 'is not', null)
          .where('deleted_at', '>', now - RESTORE_WINDOW_MS)
          .where('id', 'in', unique)
          .execute();
        const byId = new Map(rows.map((r) => [r.id, r.phone]));
        const missing: FieldError[] = [];
        idsToRestore.forEach((id, i) => {
          if (!byId.has(id))
            missing.push({ path: `/body/ids/${i}`, message: 'no deleted contact to restore' });
        });
        if (missing.length > 0)
          throw new AppError('not_found', 'No such deleted contact.', { errors: missing });
        const phones = [...byId.values()];
        const taken = new Set<string>();
        for (const part of chunks(phones, 500)) {
          const live = await tx
            .selectFrom('contacts')
            .select('phone')
            .where('account_id', '=', accountId)
            .where('deleted_at', 'is', null)
            .where('phone', 'in', part)
            .execute();
          for (const l of live) taken.add(l.phone);
        }
        const seen = new Set<string>();
        const conflicts: FieldError[] = [];
        for (const id of unique) {
          const phone = byId.get(id)!;
          const path = `/body/ids/${idsToRestore.indexOf(id)}`;
          if (taken.has(phone)) conflicts.push({ path, message: 'another contact has its number' });
          else if (seen.has(phone))
            conflicts.push({ path, message: 'two contacts to restore share a number' });
          seen.add(phone);
        }
        if (conflicts.length > 0)
          throw new AppError('conflict', 'A live contact already has the number of a contact to restore.', {
            errors: conflicts,
          });
        await tx
          .updateTable('contacts')
          .set({ deleted_at: null, updated_at: now })
          .where('account_id', '=', accountId)
          .where('id', 'in', unique)
          .execute();
        await audit.record(tx, {
          accountId,
          actor: auditActorOf(actor),
          action: 'contacts.restored',
          target: { type: 'contact', id: unique[0]! },
          data: { contactIds: unique },
        });
        return { restored: unique };
      });
    },
  };
}
