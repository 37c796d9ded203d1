/**
 * Contact import of a 1,000,000-row CSV (phone, first and last name, e-mail, 2 custom fields; 2 % bad
 * rows) through the imports service, on a fresh embedded SQLite file and, when BENCH_DATABASE_URL or
 * TEST_DATABASE_URL is set, on PostgreSQL (a fresh schema). Times the whole path: the upload copied into
 * the FileStore, the checks at create time (encoding scan, line count), and the background run. Peak RSS
 * is this process's VmHWM, reset before each import. Prints one JSON line.
 *
 *   npx tsx bench/contacts-import.ts [--rows 1000000]
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/kernel/logger';
import { createSystem } from '../src/main';
import { ROLE_PERMISSIONS } from '../src/modules/accounts';
import { openStorage } from '../src/storage/database';
import { log, machine, numberArg, peakRssMb, printResult, round } from './lib';

const ROWS = numberArg('rows', 1_000_000);
const FIRST = ['anna', 'janis', 'peteris', 'liga', 'maris', 'ilze', 'karlis', 'zane', 'edgars', 'inese'];
const LAST = ['berzins', 'kalnins', 'ozols', 'jansons', 'liepa', 'krumins', 'balodis', 'zarins'];

async function writeCsv(file: string): Promise<number> {
  const out = createWriteStream(file);
  out.write('Phone,First name,Last name,E-mail,City,Score\r\n');
  let bad = 0;
  let chunk = '';
  for (let i = 0; i < ROWS; i++) {
    const first = FIRST[i % FIRST.length]!;
    const last = LAST[Math.floor(i / 7) % LAST.length]!;
    let phone = `+3712${String(i).padStart(7, '0')}`;
    let email = `${first}.${last}.${i}@example.com`;
    let score = String(i % 1000);
    // 2 % bad rows, of three kinds.
    if (i % 50 === 7) {
      bad++;
      if (i % 150 === 7) phone = `12${i % 100}`;
      else if (i % 150 === 57) email = 'not-an-email';
      else score = 'lots';
    }
    chunk += `${phone},${first},"${last}",${email},Riga,${score}\r\n`;
    if (chunk.length > 64 * 1024) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return bad;
}

/** Resets this process's peak RSS (Linux), so the figure is the import's (and the system's) alone. */
function resetPeakRss() {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux: the peak then includes the file generation
  }
}

async function run(csv: string, databaseUrl: string | null) {
  const dir = mkdtempSync(join(tmpdir(), 'smsgate-import-'));
  let schema: string | null = null;
  let storage: ReturnType<typeof openStorage> | undefined;
  if (databaseUrl) {
    schema = `bench_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    storage = openStorage(databaseUrl, { pgSchema: schema });
  }
  const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
  const system = await createSystem(config, {
    logger: createLogger({ level: 'silent' }),
    ...(storage ? { storage } : {}),
  });
  try {
    const { contacts } = system.services;
    const signup = await system.services.identity.signup(
      {
        company: 'Bench Ltd',
        name: 'Bench',
        email: `bench-${process.pid}@example.com`,
        password: 'a-long-bench-secret-1',
        acceptPolicy: true,
      },
      { ip: null, userAgent: null },
    );
    const actor = {
      kind: 'user' as const,
      accountId: signup.account.id,
      id: signup.user.id,
      role: 'owner' as const,
      permissions: ROLE_PERMISSIONS.owner,
      sessionId: null,
      csrfToken: null,
      ip: null,
    };
    await contacts.fields.create(actor, { key: 'city', label: 'City', type: 'text' });
    await contacts.fields.create(actor, { key: 'score', label: 'Score', type: 'number' });
    if (global.gc) global.gc();
    resetPeakRss();
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const upload = await contacts.imports.receive(actor, createReadStream(csv), 'bench.csv');
    const created = await contacts.imports.create(actor, upload, {});
    const checked = performance.now();
    await contacts.imports.runDue();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const result = await contacts.imports.get(actor, created.id);
    return {
      dialect: system.storage.label,
      status: result.status,
      rows: result.processed,
      seconds: round(seconds, 1),
      createSeconds: round((checked - started) / 1000, 1),
      rowsPerSecond: Math.round(result.processed / seconds),
      // The machine is shared: CPU time of this process tells the cost apart from waiting for a core.
      cpuSeconds: round(cpuSeconds, 1),
      rowsPerCpuSecond: Math.round(result.processed / cpuSeconds),
      peakRssMb: peakRssMb(process.pid),
      imported: result.imported,
      failed: result.failed,
    };
  } finally {
    await system.stop();
    rmSync(dir, { recursive: true, force: true });
    if (databaseUrl && schema) {
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
  }
}

/**
 * Each import runs in a fresh child process with the heap cap `npm start` gives the server (so RSS is
 * comparable, and not inflated by writing the file); it prints its figures as one JSON line.
 */
async function inChild(csv: string, databaseUrl: string | null): Promise<Awaited<ReturnType<typeof run>>> {
  const child = spawn(
    process.execPath,
    [
      '--max-old-space-size=256',
      // BENCH_CHILD_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the import.
      ...(process.env.BENCH_CHILD_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_IMPORT_CSV: csv, BENCH_IMPORT_DB: databaseUrl ?? '' },
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`import child exited with ${code}`);
  return JSON.parse(out.trim().split('\n').pop()!);
}

if (process.env.BENCH_IMPORT_CSV) {
  printResult(await run(process.env.BENCH_IMPORT_CSV, process.env.BENCH_IMPORT_DB || null));
} else {
  const work = mkdtempSync(join(tmpdir(), 'smsgate-import-csv-'));
  try {
    const csv = join(work, 'contacts.csv');
    log(`writing ${ROWS} rows`);
    const bad = await writeCsv(csv);
    log('importing on SQLite');
    const sqlite = await inChild(csv, null);
    log(JSON.stringify(sqlite));
    const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? null;
    let postgres = null;
    if (pgUrl) {
      log('importing on PostgreSQL');
      postgres = await inChild(csv, pgUrl);
      log(JSON.stringify(postgres));
    }
    printResult({
      bench: 'contacts-import',
      badRows: bad,
      ...sqlite,
      postgres,
      target: { seconds: 20, peakRssMb: 300 },
      machine: await machine(),
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
