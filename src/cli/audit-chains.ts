import { systemClock } from '../kernel/clock';
import { createIdGenerator } from '../kernel/ids';
import { chainAccounts, createAuditLog } from '../modules/audit';
import type { Storage } from '../storage/database';

/**
 * Re-computes the audit log's hash chains — every account's and the platform's, or one (`null`: the
 * platform's) — printing a line per chain; answers how many are broken.
 */
export async function verifyAuditChains(storage: Storage, account?: string | null): Promise<number> {
  const audit = createAuditLog({ clock: systemClock, ids: createIdGenerator(systemClock) });
  const chains = account !== undefined ? [account] : await chainAccounts(storage.db);
  let broken = 0;
  for (const accountId of chains) {
    const result = await audit.verify(storage.db, accountId);
    const name = accountId ?? 'platform';
    if (result.brokenAt === null) process.stdout.write(`ok      ${name}: ${result.events} events\n`);
    else {
      broken++;
      process.stdout.write(
        `BROKEN  ${name}: event #${result.brokenAt} does not match the chain (${result.events} verified before it)\n`,
      );
    }
  }
  process.stdout.write(
    broken === 0
      ? `All ${chains.length} chains intact.\n`
      : `${broken} of ${chains.length} chains are broken.\n`,
  );
  return broken;
}
