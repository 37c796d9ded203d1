import type { Kysely } from 'kysely';

/**
 * A routing rule may name a simulated route (the built-in simulator or an operator-made one) only when
 * the operator allowed it for that rule. Rules made before this column existed keep working when they
 * name nothing but simulators (the operator clearly meant test traffic); a rule that mixes a simulator
 * with real carriers loses it, because such rules came from a form that saved the simulator first.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('routing_rules')
    .addColumn('allow_simulator', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  const simulated = new Set<string>(['simulator']);
  for (const r of await db.selectFrom('routes').select(['id', 'type']).execute())
    if (r.type === 'simulator') simulated.add(String(r.id));
  const rules = await db.selectFrom('routing_rules').select(['id', 'route_ids']).execute();
  for (const rule of rules) {
    const ids = JSON.parse(String(rule.route_ids)) as string[];
    if (ids.length > 0 && ids.every((id) => simulated.has(id)))
      await db.updateTable('routing_rules').set({ allow_simulator: 1 }).where('id', '=', rule.id).execute();
  }
}
