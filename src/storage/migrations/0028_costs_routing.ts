import type { Kysely } from 'kysely';

// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  // What a carrier charges per segment through one route: per country, per number prefix, and the route's
  // default (country and prefix both ''). Micro-credits, like prices.
  await db.schema
    .createTable('route_costs')
    .addColumn('route_id', 'text', (c) => c.notNull())
    .addColumn('country', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('cost', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('route_costs_pk', ['route_id', 'country', 'prefix'])
    .execute();
  // When a route's costs last changed: processes re-read a route's costs only when this moved (a cost table
  // can hold 20,000 rows; routes are re-read every few seconds).
  await db.schema.alterTable('routes').addColumn('costs_updated_at', 'bigint').execute();
  // The route's cost of a message (all its segments; null when the route has none for it) and how its
  // route was chosen (JSON `{ rule, strategy, reason }`), written with the send outcome.
  await db.schema.alterTable('messages').addColumn('cost', 'bigint').execute();
  await db.schema.alterTable('messages').addColumn('routing', 'text').execute();
  // How a rule orders its routes (`priority`, `least_cost`, `quality`) and that strategy's thresholds (JSON).
  await db.schema
    .alterTable('routing_rules')
    .addColumn('strategy', 'text', (c) => c.notNull().defaultTo('priority'))
    .execute();
  await db.schema.alterTable('routing_rules').addColumn('strategy_options', 'text').execute();
}
