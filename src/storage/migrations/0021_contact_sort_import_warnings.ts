import { type Kysely, sql } from 'kysely';

/**
 * Contacts sort by name, and imports keep warnings and the refused rows' cells.
 *
 * - `contacts.name_lc`: "first last" lower-cased (null without a name), the key of the name sort, with an
 *   index that serves the sort and its keyset pagination. Filled from the lower-cased search copies,
 *   which the application wrote (SQL lower() only folds ASCII).
 * - `import_errors.level`: `error` (the row was refused) or `warning` (imported, with something left
 *   out); `import_errors.cells`: the refused row's cells as read from the file (JSON array), so that the
 *   error report can carry them; `imports.headers` names those cells; `imports.warned` counts rows
 *   imported with a warning.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations are written against the schema as it was then
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('contacts').addColumn('name_lc', 'text').execute();
  await sql`
    update contacts set name_lc = nullif(trim(coalesce(first_name_lc, '') || ' ' || coalesce(last_name_lc, '')), '')
    where first_name_lc is not null or last_name_lc is not null`.execute(db);
  await db.schema
    .createIndex('contacts_name_sort')
    .on('contacts')
    .columns(['account_id', 'name_lc', 'id'])
    .execute();

  await db.schema
    .alterTable('import_errors')
    .addColumn('level', 'text', (c) => c.notNull().defaultTo('error'))
    .execute();
  await db.schema.alterTable('import_errors').addColumn('cells', 'text').execute();
  // The report lists errors and warnings apart, each by row.
  await db.schema
    .createIndex('import_errors_level')
    .on('import_errors')
    .columns(['import_id', 'level', 'row'])
    .execute();
  await db.schema.alterTable('imports').addColumn('headers', 'text').execute();
  await db.schema
    .alterTable('imports')
    .addColumn('warned', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  // Rows that were imported with a note ("no group named …") were report lines that did not count as
  // failed: they are the warnings now.
  await db
    .updateTable('import_errors')
    .set({ level: 'warning' })
    .where('message', 'like', 'no group named %')
    .execute();
}
