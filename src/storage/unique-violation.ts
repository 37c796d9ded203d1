/**
 * Whether a unique index refused the row (PostgreSQL 23505; SQLite SQLITE_CONSTRAINT_UNIQUE or
 * _PRIMARYKEY). A check-then-insert can lose a race to a concurrent request on PostgreSQL, where
 * writers run in parallel: the insert is where the loser learns it, and it must answer like the check.
 */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return (
    e?.code === '23505' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    (typeof e?.message === 'string' && /UNIQUE constraint failed/i.test(e.message))
  );
}
