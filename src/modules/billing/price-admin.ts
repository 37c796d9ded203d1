import type { Db, DbOrTx } from '../../storage/database';
import type { AuditActor, AuditLog } from '../audit';
import type { PriceBook } from './price-book';
import type { PriceList } from './prices';

/**
 * The operator's changes to price lists, each audited in the same transaction. `assertAccountExists` is the
 * accounts module's check (accounts depends on billing, so billing takes it as a dependency).
 */
export function createPriceAdmin(deps: {
  db: Db;
  audit: AuditLog;
  priceBook: PriceBook;
  assertAccountExists: (db: DbOrTx, accountId: string) => Promise<void>;
}) {
  const { db, audit, priceBook, assertAccountExists } = deps;
  return {
    async setDefault(actor: AuditActor, list: PriceList) {
      await db.transaction().execute(async (tx) => {
        await priceBook.setDefault(tx, list);
        await audit.record(tx, {
          accountId: null,
          actor,
          action: 'prices.default_replaced',
          data: { countries: Object.keys(list.countries).length },
        });
      });
    },

    /** Gives an account its own list, or (null) puts it back on the default. */
    async setForAccount(actor: AuditActor, accountId: string, list: PriceList | null) {
      await db.transaction().execute(async (tx) => {
        await assertAccountExists(tx, accountId);
        await priceBook.setForAccount(tx, accountId, list);
        await audit.record(tx, {
          accountId,
          actor,
          action: list ? 'prices.account_list_set' : 'prices.account_list_removed',
          target: { type: 'account', id: accountId },
        });
      });
    },
  };
}

export type PriceAdmin = ReturnType<typeof createPriceAdmin>;
