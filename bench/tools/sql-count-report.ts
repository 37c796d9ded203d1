/**
 * Summarises the file written by `sql-count.mjs`: statements per message and time per SQL text.
 *   npx tsx bench/tools/sql-count-report.ts /tmp/sql-count-123.json --messages 3000 [--top 40]
 */
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) throw new Error('usage: sql-count-report.ts <file.json> --messages N [--top N]');
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const messages = arg('messages', 1);
const top = arg('top', 40);
const raw = JSON.parse(readFileSync(file, 'utf8')) as Array<{
  sql: string;
  count: number;
  ms: number;
  rows: number;
}>;
/** One shape per statement whatever its batch size: `in (?, ?, …)`, `values (…), (…)` and CASE arms folded. */
const shape = (sql: string) =>
  sql
    .replace(/\s+/g, ' ')
    .replace(/\?(, \?)+/g, '?…')
    .replace(/(\(\?…\))(, \(\?…\))+/g, '$1…')
    .replace(/( WHEN \? THEN (CAST\(\? AS \w+\)|\?))+/g, ' WHEN…');
const grouped = new Map<string, { sql: string; count: number; ms: number; rows: number }>();
for (const r of raw) {
  const key = shape(r.sql);
  const g = grouped.get(key) ?? { sql: key, count: 0, ms: 0, rows: 0 };
  g.count += r.count;
  g.ms += r.ms;
  g.rows += r.rows;
  grouped.set(key, g);
}
const rows = [...grouped.values()].sort((a, b) => b.ms - a.ms);
const runs = rows.reduce((s, r) => s + r.count, 0);
const ms = rows.reduce((s, r) => s + r.ms, 0);
console.log(
  `${runs} statement runs (${(runs / messages).toFixed(2)} per message), ${ms.toFixed(0)} ms in SQLite (${(ms / messages).toFixed(3)} ms per message), ${raw.length} distinct texts, ${rows.length} shapes`,
);
console.log('runs/msg  ms total  us/msg  rows/msg  sql');
for (const r of rows.slice(0, top)) {
  console.log(
    `${(r.count / messages).toFixed(2).padStart(8)}  ${r.ms.toFixed(0).padStart(8)}  ${((1000 * r.ms) / messages).toFixed(0).padStart(6)}  ${(r.rows / messages).toFixed(2).padStart(8)}  ${r.sql.slice(0, 150)}`,
  );
}
