import { chunks } from '../../storage/chunk';
import type { DbOrTx } from '../../storage/database';

/** A reference as the audit log keeps it: a kind of thing and its id. */
export interface NamedRef {
  type: string | null;
  id: string | null;
}

const ID_CHUNK = 500;

/**
 * What people call the users, staff, API keys and accounts named by `refs` (the audit log shows it
 * next to the id). Answers `type:id` → name; kinds it does not know, and ids no longer found (a user
 * removed), are left out.
 */
export async function namesOf(db: DbOrTx, refs: readonly NamedRef[]): Promise<Map<string, string>> {
  const wanted = new Map<string, Set<string>>();
  for (const ref of refs) {
    if (!ref.type || !ref.id) continue;
    let ids = wanted.get(ref.type);
    if (!ids) {
      ids = new Set();
      wanted.set(ref.type, ids);
    }
    ids.add(ref.id);
  }
  const names = new Map<string, string>();
  const each = async (
    type: string,
    read: (ids: string[]) => Promise<Array<{ id: string; name: string }>>,
  ) => {
    const ids = [...(wanted.get(type) ?? [])];
    for (const part of chunks(ids, ID_CHUNK))
      for (const row of await read(part)) names.set(`${type}:${row.id}`, row.name);
  };
  const person = (rows: Array<{ id: string; name: string; email: string }>) =>
    rows.map((r) => ({ id: r.id, name: r.name ? `${r.name} <${r.email}>` : r.email }));
  await each('user', async (ids) =>
    person(await db.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', ids).execute()),
  );
  await each('staff', async (ids) =>
    person(
      await db.selectFrom('staff_users').select(['id', 'name', 'email']).where('id', 'in', ids).execute(),
    ),
  );
  await each('api_key', (ids) =>
    db.selectFrom('api_keys').select(['id', 'name']).where('id', 'in', ids).execute(),
  );
  await each('account', (ids) =>
    db.selectFrom('accounts').select(['id', 'name']).where('id', 'in', ids).execute(),
  );
  return names;
}
