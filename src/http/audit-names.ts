import { namesOf } from '../modules/accounts';
import type { AuditEvent } from '../modules/audit';
import type { DbOrTx } from '../storage/database';

/**
 * Audit events as people read them: who acted and what was acted on, by name next to the id (a user's
 * name and e-mail, a key's name, a staff member, an account). Names are looked up when the log is
 * read, not stored in it: the chain stays as written, and a renamed user shows under the new name.
 */
export async function withNames(
  db: DbOrTx,
  events: AuditEvent[],
): Promise<Array<AuditEvent & { actorName: string | null; targetName: string | null }>> {
  const names = await namesOf(
    db,
    events.flatMap((e) => [
      { type: e.actorType, id: e.actorId },
      { type: e.targetType, id: e.targetId },
    ]),
  );
  return events.map((e) =>
    Object.assign(e, {
      actorName: names.get(`${e.actorType}:${e.actorId}`) ?? null,
      targetName: names.get(`${e.targetType}:${e.targetId}`) ?? null,
    }),
  );
}
