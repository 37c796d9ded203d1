/**
 * Restriction of a data subject: restricting (or lifting) every number and e-mail known for the person,
 * and the checks that honour it: the numbers a send must not message (restricted, or erased while
 * suppressed) and the contacts exports leave out.
 */
import { chunks } from '../../storage/chunk';
import type { DbOrTx } from '../../storage/database';
import { prepared, slot } from '../../storage/prepared';
import type { ClientActor } from '../accounts';
import {
  auditedIn,
  hashesOf,
  resolve,
  type SubjectInput,
  type SubjectRequestsDeps,
  subjectHash,
} from './subjects';

/** The restrictions in force for one hash (a send to one recipient): compiled once. */
const restrictionsOf = prepared<
  { accountId: string; hash: string },
  { subject_hash: string; reason: string; scope: string | null }
>((db) =>
  db
    .selectFrom('privacy_restrictions')
    .select(['subject_hash', 'reason', 'scope'])
    .where('account_id', '=', slot<string>('accountId'))
    .where('lifted_at', 'is', null)
    .where('subject_hash', '=', slot<string>('hash')),
);

export function createSubjectRestrictions(deps: SubjectRequestsDeps) {
  const { db, clock, ids } = deps;
  const audited = auditedIn(deps);

  const restrictions = {
    /** Restricts (or lifts the restriction of) the person: every number and e-mail known for them. */
    restrict(
      actor: ClientActor,
      input: SubjectInput & { restricted: boolean },
    ): Promise<{ subject: string; restricted: boolean; identifiers: number }> {
      const accountId = actor.accountId;
      return audited(
        actor,
        input.restricted ? 'privacy.subject_restricted' : 'privacy.restriction_lifted',
        async (tx) => {
          const s = await resolve(tx, accountId, input);
          const now = clock.now();
          const hashes = hashesOf(s);
          const active = await tx
            .selectFrom('privacy_restrictions')
            .select('subject_hash')
            .where('account_id', '=', accountId)
            .where('reason', '=', 'restricted')
            .where('lifted_at', 'is', null)
            .where(
              'subject_hash',
              'in',
              hashes.map((h) => h.hash),
            )
            .execute();
          if (input.restricted) {
            const have = new Set(active.map((a) => a.subject_hash));
            for (const h of hashes.filter((x) => !have.has(x.hash))) {
              await tx
                .insertInto('privacy_restrictions')
                .values({
                  id: ids('dsr'),
                  account_id: accountId,
                  subject_hash: h.hash,
                  subject_kind: h.kind,
                  reason: 'restricted',
                  scope: null,
                  created_by: actor.id,
                  restricted_at: now,
                  lifted_at: null,
                })
                .execute();
            }
          } else if (active.length > 0) {
            await tx
              .updateTable('privacy_restrictions')
              .set({ lifted_at: now })
              .where('account_id', '=', accountId)
              .where('reason', '=', 'restricted')
              .where('lifted_at', 'is', null)
              .where(
                'subject_hash',
                'in',
                active.map((a) => a.subject_hash),
              )
              .execute();
          }
          return {
            result: { subject: s.ref, restricted: input.restricted, identifiers: hashes.length },
            ref: s.ref,
            data: { identifiers: hashes.length },
          };
        },
      );
    },

    /**
     * For the send path: numbers of the account that must not be messaged, and why (`restricted`, or the
     * suppression scope an erased number had).
     */
    async blockedNumbers(
      db_: DbOrTx,
      accountId: string,
      phones: string[],
    ): Promise<Map<string, 'restricted' | 'marketing' | 'all'>> {
      const found = new Map<string, 'restricted' | 'marketing' | 'all'>();
      const unique = [...new Set(phones)];
      const byHash = new Map(unique.map((p) => [subjectHash('phone', p), p]));
      const hashes = [...byHash.keys()];
      if (hashes.length === 1) {
        // One recipient (most sends): a statement compiled once.
        const rows = (await restrictionsOf(db_, { accountId, hash: hashes[0]! })).rows;
        for (const r of rows) {
          const phone = byHash.get(r.subject_hash)!;
          if (r.reason === 'restricted') found.set(phone, 'restricted');
          else if (found.get(phone) !== 'restricted')
            found.set(phone, r.scope === 'marketing' ? 'marketing' : 'all');
        }
        return found;
      }
      for (const part of chunks(hashes, 500)) {
        const rows = await db_
          .selectFrom('privacy_restrictions')
          .select(['subject_hash', 'reason', 'scope'])
          .where('account_id', '=', accountId)
          .where('lifted_at', 'is', null)
          .where('subject_hash', 'in', part)
          .execute();
        for (const r of rows) {
          const phone = byHash.get(r.subject_hash)!;
          if (r.reason === 'restricted') found.set(phone, 'restricted');
          else if (found.get(phone) !== 'restricted')
            found.set(phone, r.scope === 'marketing' ? 'marketing' : 'all');
        }
      }
      return found;
    },

    /**
     * For long lists of numbers (a campaign's audience): `blockedNumbers`, after one cheap look whether the
     * account has any restriction at all. Most accounts never restrict anyone, and that look spares hashing
     * every number.
     */
    async blockedAmongMany(
      db_: DbOrTx,
      accountId: string,
      phones: string[],
    ): Promise<Map<string, 'restricted' | 'marketing' | 'all'>> {
      const any = await db_
        .selectFrom('privacy_restrictions')
        .select('id')
        .where('account_id', '=', accountId)
        .limit(1)
        .executeTakeFirst();
      return any ? restrictions.blockedNumbers(db_, accountId, phones) : new Map();
    },

    /** Contact batches without the restricted data subjects (exports skip them until the restriction is lifted). */
    async *omitRestricted<T extends { phone: string; email: string | null }>(
      accountId: string,
      batches: AsyncIterable<T[]>,
    ): AsyncGenerator<T[]> {
      for await (const batch of batches) {
        const hidden = await restrictions.restrictedContacts(accountId, batch);
        yield hidden.size === 0 ? batch : batch.filter((_, i) => !hidden.has(i));
      }
    },

    /** For exports: which of these contacts (by number or e-mail) are restricted. */
    async restrictedContacts(
      accountId: string,
      contacts: Array<{ phone: string; email: string | null }>,
    ): Promise<Set<number>> {
      const hashes = contacts.map((c) => [
        subjectHash('phone', c.phone),
        c.email ? subjectHash('email', c.email.toLowerCase()) : null,
      ]);
      const all = [...new Set(hashes.flat().filter((h): h is string => h !== null))];
      const hit = new Set<string>();
      for (const part of chunks(all, 500)) {
        const rows = await db
          .selectFrom('privacy_restrictions')
          .select('subject_hash')
          .where('account_id', '=', accountId)
          .where('reason', '=', 'restricted')
          .where('lifted_at', 'is', null)
          .where('subject_hash', 'in', part)
          .execute();
        for (const r of rows) hit.add(r.subject_hash);
      }
      const out = new Set<number>();
      hashes.forEach(([p, e], i) => {
        if (hit.has(p!) || (e && hit.has(e))) out.add(i);
      });
      return out;
    },
  };
  return restrictions;
}
