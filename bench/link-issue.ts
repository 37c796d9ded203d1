/**
 * Short-link issuing as the campaign fan-out does it: 100,000 recipients (one URL each) in batches of
 * 2,000, each batch one transaction with one multi-row insert, on the embedded SQLite at its durable
 * default (`SQLITE_SYNCHRONOUS=FULL`). Then 1,000 redirects through `GET /l/<code>` (inject, not a
 * socket) for the follow-and-record cost. Prints one JSON line. `--recipients=N`, `--batch=N`;
 * `BENCH_SQLITE_SYNCHRONOUS=NORMAL` to see the cost without the per-commit fsync.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/kernel/logger';
import { createSystem } from '../src/main';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const RECIPIENTS = arg('recipients', 100_000);
const BATCH = arg('batch', 2000);
const CLICKS = 1000;

const dir = mkdtempSync(join(tmpdir(), 'smsgate-links-'));
const config = loadConfig({
  DATA_DIR: dir,
  LOG_LEVEL: 'silent',
  WORKERS: 'false',
  SQLITE_SYNCHRONOUS: process.env.BENCH_SQLITE_SYNCHRONOUS ?? 'FULL',
});
const system = await createSystem(config, { logger: createLogger({ level: 'silent' }) });
try {
  const { db } = system.storage;
  const { issuer } = system.services.campaignFiles;
  const codes: string[] = [];
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < RECIPIENTS; i += BATCH) {
    const recipients: Array<{ messageId: string; contactId: string; urls: string[] }> = [];
    for (let j = i; j < Math.min(RECIPIENTS, i + BATCH); j++) {
      recipients.push({
        messageId: `msg_${String(j).padStart(10, '0')}`,
        contactId: `ctc_${String(j).padStart(10, '0')}`,
        urls: ['https://shop.example.com/black-friday?utm_source=sms'],
      });
    }
    const urls = await db
      .transaction()
      .execute((tx) =>
        issuer.issueBatch(tx, { accountId: 'acc_bench', campaignId: 'cmp_bench', recipients }),
      );
    if (codes.length < CLICKS) codes.push(...urls.slice(0, CLICKS).map((u) => u[0]!.split('/').pop()!));
  }
  const issueMs = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  const issueCpuMs = (cpu.user + cpu.system) / 1000;

  const app = await system.http();
  await app.ready();
  const clickStart = performance.now();
  for (const code of codes.slice(0, CLICKS)) {
    const r = await app.inject({
      method: 'GET',
      url: `/l/${code}`,
      headers: { 'user-agent': 'Mozilla/5.0 Chrome/131.0' },
    });
    if (r.statusCode !== 302) throw new Error(`redirect answered ${r.statusCode}`);
  }
  const clickMs = performance.now() - clickStart;
  const stats = await system.services.campaignFiles.stats.clicks(db, 'acc_bench', 'cmp_bench');

  console.log(
    JSON.stringify({
      bench: 'link-issue',
      storage: system.storage.label,
      synchronous: config.SQLITE_SYNCHRONOUS,
      recipients: RECIPIENTS,
      batch: BATCH,
      issueMs: Math.round(issueMs),
      linksPerSecond: Math.round((RECIPIENTS / issueMs) * 1000),
      // The machine is shared: CPU time shows the cost without waiting for a core.
      issueCpuMs: Math.round(issueCpuMs),
      linksPerCpuSecond: Math.round((RECIPIENTS / issueCpuMs) * 1000),
      loadAverage: Number(loadavg()[0]!.toFixed(1)),
      redirects: CLICKS,
      redirectsPerSecond: Math.round((CLICKS / clickMs) * 1000),
      clicksRecorded: stats.total,
      uniqueClicks: stats.unique,
    }),
  );
} finally {
  await system.stop();
  rmSync(dir, { recursive: true, force: true });
}
