import type { Db } from '../../storage/database';
import type { RouteTypes } from './route-types';

/**
 * Seals the credentials of routes stored before credentials were sealed: run at start. Each row is
 * changed only if it still holds what was read, so processes starting together do not seal one twice.
 * Resolves to the number of routes sealed.
 */
export async function sealClearRouteCredentials(db: Db, routeTypes: RouteTypes): Promise<number> {
  let sealed = 0;
  const rows = await db.selectFrom('routes').select(['id', 'type', 'config']).execute();
  for (const row of rows) {
    if (!routeTypes.types.includes(row.type) || !routeTypes.hasClearSecret(row.type, row.config)) continue;
    const result = await db
      .updateTable('routes')
      .set({ config: routeTypes.store(row.type, routeTypes.read(row.type, row.config)) })
      .where('id', '=', row.id)
      .where('config', '=', row.config)
      .executeTakeFirst();
    sealed += Number(result.numUpdatedRows);
  }
  return sealed;
}
