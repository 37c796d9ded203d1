/**
 * A preload that counts and times every statement better-sqlite3 runs in this process, per SQL text,
 * and writes the table when the process exits (to `SQL_COUNT_OUT`, default /tmp/sql-count-<pid>.json,
 * plus a summary on stderr). Load it into the server of a benchmark:
 *
 *   BENCH_SERVER_NODE_ARGS='--import ./bench/tools/sql-count.mjs' npx tsx bench/vs-kannel.ts ...
 *   npx tsx bench/tools/sql-count-report.ts /tmp/sql-count-*.json --messages 3000
 *
 * `COMMIT`/`BEGIN` sent through `db.exec` are counted as well (`exec` is wrapped on the Database). Statements
 * run on a read-only connection are listed apart, their text prefixed with `[read-only connection]`.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');

const stats = new Map();
const record = (sql, ms, rows) => {
  let entry = stats.get(sql);
  if (!entry) {
    entry = { count: 0, ms: 0, rows: 0 };
    stats.set(sql, entry);
  }
  entry.count += 1;
  entry.ms += ms;
  entry.rows += rows;
};

const originalPrepare = Database.prototype.prepare;
const wrapped = new WeakSet();
Database.prototype.prepare = function prepare(source, ...rest) {
  const statement = originalPrepare.call(this, source, ...rest);
  const proto = Object.getPrototypeOf(statement);
  if (!wrapped.has(proto)) {
    wrapped.add(proto);
    for (const method of ['run', 'all', 'get', 'iterate']) {
      const original = proto[method];
      proto[method] = function timed(...args) {
        const start = process.hrtime.bigint();
        let rows = 0;
        try {
          const result = original.apply(this, args);
          if (method === 'all') rows = result.length;
          else if (method === 'run') rows = result.changes;
          else if (method === 'get') rows = result === undefined ? 0 : 1;
          return result;
        } finally {
          record(
            this.database.readonly ? `[read-only connection] ${this.source}` : this.source,
            Number(process.hrtime.bigint() - start) / 1e6,
            rows,
          );
        }
      };
    }
  }
  return statement;
};
const originalExec = Database.prototype.exec;
Database.prototype.exec = function exec(source) {
  const start = process.hrtime.bigint();
  try {
    return originalExec.call(this, source);
  } finally {
    record(`exec: ${source}`, Number(process.hrtime.bigint() - start) / 1e6, 0);
  }
};

let written = false;
const write = () => {
  if (written) return;
  written = true;
  const out = process.env.SQL_COUNT_OUT || `/tmp/sql-count-${process.pid}.json`;
  const rows = [...stats].map(([sql, e]) => ({ sql, ...e })).sort((a, b) => b.count - a.count);
  writeFileSync(out, JSON.stringify(rows, null, 1));
  process.stderr.write(
    `[sql-count] ${rows.length} statements, ${rows.reduce((s, r) => s + r.count, 0)} runs -> ${out}\n`,
  );
};
process.on('exit', write);
