import type { Clock } from '../../kernel/clock';
import type { DbOrTx } from '../../storage/database';
import { DEFAULT_PRICES, type PriceList } from './prices';

const DEFAULT_OWNER = 'default';
// Price lists change rarely and are read on every send; other processes see an edit within this time.
const CACHE_MS = 10_000;

/**
 * Where price lists live: the platform default (editable by the operator; the built-in list until it
 * is) and optional per-account lists that replace it for one client.
 */
export function createPriceBook(deps: { clock: Clock }) {
  const cache = new Map<string, { list: PriceList | null; at: number }>();

  async function load(db: DbOrTx, owner: string): Promise<PriceList | null> {
    const hit = cache.get(owner);
    const now = deps.clock.now();
    if (hit && now - hit.at < CACHE_MS && now >= hit.at) return hit.list;
    const row = await db
      .selectFrom('price_lists')
      .select('prices')
      .where('owner', '=', owner)
      .executeTakeFirst();
    const list = row ? (JSON.parse(row.prices) as PriceList) : null;
    cache.set(owner, { list, at: now });
    return list;
  }

  async function store(db: DbOrTx, owner: string, list: PriceList | null) {
    if (list === null) {
      await db.deleteFrom('price_lists').where('owner', '=', owner).execute();
    } else {
      const prices = JSON.stringify(list);
      const updated_at = deps.clock.now();
      await db
        .insertInto('price_lists')
        .values({ owner, prices, updated_at })
        .onConflict((oc) => oc.column('owner').doUpdateSet({ prices, updated_at }))
        .execute();
    }
    cache.delete(owner);
  }

  return {
    /** The list that prices an account's messages. */
    async listFor(db: DbOrTx, accountId: string): Promise<PriceList> {
      return (await load(db, accountId)) ?? (await load(db, DEFAULT_OWNER)) ?? DEFAULT_PRICES;
    },
    async defaultList(db: DbOrTx): Promise<PriceList> {
      return (await load(db, DEFAULT_OWNER)) ?? DEFAULT_PRICES;
    },
    async accountList(db: DbOrTx, accountId: string): Promise<PriceList | null> {
      return load(db, accountId);
    },
    setDefault: (db: DbOrTx, list: PriceList) => store(db, DEFAULT_OWNER, list),
    /** Gives an account its own list, or (null) puts it back on the default. */
    setForAccount: (db: DbOrTx, accountId: string, list: PriceList | null) => store(db, accountId, list),
  };
}

export type PriceBook = ReturnType<typeof createPriceBook>;
