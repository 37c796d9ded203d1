import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/server-process';

const REPO = resolve(__dirname, '../..');
/** The whole walk-through, server start included, must finish within this (about 20 s on an idle machine, 45 s on a busy one). */
const TEST_TIMEOUT_MS = 90_000;
/** Shell variables the walk-through sets, read back for the checks through the API. */
const REPORTED = ['KEY', 'ACCOUNT', 'MSG', 'LATER', 'IMPORT', 'CAMPAIGN', 'STAFF_KEY', 'REQUEST', 'INCIDENT'];
const MARK = '@@readme-block';

interface ShellBlock {
  /** 1-based, in the order the README shows them. */
  index: number;
  /** Line of the opening fence in README.md. */
  line: number;
  /** The heading the block sits under. */
  heading: string;
  code: string;
}

/**
 * The README's runnable shell blocks, in order: fences whose info string starts with `sh` or `bash`,
 * except those marked `no-run` (`sh no-run`: starting the server, a configuration file, a command that
 * needs the reader's own receiver). Fences in other languages are skipped. A block indented inside a
 * list item is taken without its indentation.
 */
function runnableShellBlocks(markdown: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  const lines = markdown.split('\n');
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^#{1,6} /.test(line)) heading = line;
    const open = /^(\s*)(`{3,})(.*)$/.exec(line);
    if (!open) continue;
    const indent = open[1]!;
    const fence = open[2]!;
    const words = open[3]!.trim().split(/\s+/);
    const body: string[] = [];
    let j = i + 1;
    // A fence closes with at least as many backquotes and nothing else.
    while (j < lines.length && !new RegExp(`^\\s*${fence}\`*\\s*$`).test(lines[j]!)) {
      const l = lines[j]!;
      body.push(l.startsWith(indent) ? l.slice(indent.length) : l);
      j++;
    }
    if ((words[0] === 'sh' || words[0] === 'bash') && !words.includes('no-run')) {
      blocks.push({ index: blocks.length + 1, line: i + 1, heading, code: body.join('\n') });
    }
    i = j;
  }
  return blocks;
}

/** The blocks as one script, each announced by a marker line so that a failure names its block. */
function walkThrough(blocks: ShellBlock[]): string {
  const parts = ['exec 2>&1'];
  // printf '\n…': an answer printed without a final newline must not swallow the marker.
  for (const block of blocks) parts.push(`printf '\\n${MARK} ${block.index}@@\\n'`, block.code);
  parts.push(`printf '\\n${MARK} end@@\\n'`);
  for (const name of REPORTED) parts.push(`echo "@@var ${name}=\${${name}:-}"`);
  return `${parts.join('\n')}\n`;
}

/** The output of each block, by its index ('end' after the last one). */
function outputsByBlock(output: string): Map<string, string> {
  const byBlock = new Map<string, string>();
  let current = 'before';
  for (const line of output.split('\n')) {
    const mark = new RegExp(`^${MARK} (\\w+)@@$`).exec(line);
    if (mark) {
      current = mark[1]!;
      byBlock.set(current, '');
    } else byBlock.set(current, `${byBlock.get(current) ?? ''}${line}\n`);
  }
  return byBlock;
}

/** A reader's shell: PATH and HOME, none of the server's settings. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' };
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  return Object.assign(env, extra);
}

interface Started {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** Stops it and everything it started (curl, node, npx): each runs in its own process group. */
  stop(): Promise<void>;
}

function start(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Started {
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return {
    child,
    output: () => out,
    exited,
    async stop() {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
      await exited;
    },
  };
}

describe('README examples', () => {
  it('runs sh and bash fences in order, and skips `sh no-run` and other languages', () => {
    const markdown = [
      '## One',
      '```sh no-run',
      'npm start',
      '```',
      '```sh',
      'A=1',
      '```',
      '- a list item:',
      '',
      '  ```bash',
      '  echo "$A"',
      '  ```',
      '```',
      'src/ tree',
      '```',
      '### Two',
      '````ini',
      '```sh',
      '````',
    ].join('\n');
    expect(runnableShellBlocks(markdown)).toEqual([
      { index: 1, line: 5, heading: '## One', code: 'A=1' },
      { index: 2, line: 10, heading: '## One', code: 'echo "$A"' },
    ]);
  });

  // A folder laid out like a checkout (the code linked in, nothing else), so that the README's
  // ./data/mail/ and `npx smsgate` mean there what they mean for a reader, on a fresh database.
  const root = mkdtempSync(join(tmpdir(), 'smsgate-readme-'));
  for (const entry of ['package.json', 'tsconfig.json', 'bin', 'src', 'node_modules'])
    symlinkSync(join(REPO, entry), join(root, entry));
  const started: Started[] = [];
  afterAll(async () => {
    for (const child of started) await child.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it(
    'every runnable shell block runs, in order, against a fresh server',
    async () => {
      const begin = Date.now();
      const port = await freePort();
      // As `npm start` runs it, with one exception: the webhook example names https://example.com, which a
      // reader's machine resolves, but the machine running the suite may have no DNS, and the server's
      // check of webhook URLs would refuse it.
      const server = start(
        process.execPath,
        ['bin/smsgate.mjs', 'serve'],
        root,
        userEnv({ PORT: String(port), WEBHOOK_ALLOW_PRIVATE: 'true' }),
      );
      started.push(server);
      const base = `http://localhost:${port}`;
      for (;;) {
        if (server.child.exitCode !== null) throw new Error(`the server exited:\n${server.output()}`);
        const up = await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
        if (up) break;
        if (Date.now() - begin > 30_000) throw new Error(`the server did not start:\n${server.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }

      const blocks = runnableShellBlocks(readFileSync(join(REPO, 'README.md'), 'utf8'));
      expect(blocks.length).toBeGreaterThan(10);
      writeFileSync(join(root, 'walk-through.sh'), walkThrough(blocks));
      const bash = start('bash', ['-euo', 'pipefail', 'walk-through.sh'], root, userEnv({ BASE: base }));
      started.push(bash);
      // Stopped in time to report which block hung, before the test's own timeout.
      const budget = TEST_TIMEOUT_MS - 5_000 - (Date.now() - begin);
      const timer = setTimeout(() => void bash.stop(), budget);
      const code = await bash.exited;
      clearTimeout(timer);
      const output = bash.output();
      const outputs = outputsByBlock(output);
      if (code !== 0 || !outputs.has('end')) {
        const failed = [...outputs.keys()].filter((k) => k !== 'before').pop();
        const block = blocks.find((b) => String(b.index) === failed);
        const why = code === null ? `stopped after ${budget} ms` : `exit ${code}`;
        throw new Error(
          block
            ? `README block ${block.index} of ${blocks.length} (README.md line ${block.line}, under "${block.heading}") ` +
                `failed (${why}):\n${block.code}\n--- its output ---\n${outputs.get(failed!)}` +
                `--- server output (last 3000 characters) ---\n${server.output().slice(-3000)}`
            : `the walk-through failed before its first block (${why}):\n${output}`,
        );
      }
      for (const block of blocks)
        expect(outputs.has(String(block.index)), `block ${block.index} ran`).toBe(true);

      // What the walk-through did, seen through the API.
      const got = Object.fromEntries([...output.matchAll(/^@@var (\w+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
      for (const name of REPORTED) expect(got[name], `${name} was set by the walk-through`).toMatch(/\S/);
      const get = async <T>(path: string, key: string): Promise<T> => {
        const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${key}` } });
        expect(r.status, `GET ${path}`).toBe(200);
        return (await r.json()) as T;
      };
      type Status = { status: string };
      type List = { data: (Status & { id: string })[] };
      const key = got.KEY!;
      const staffKey = got.STAFF_KEY!;
      // The message sent: delivered by the simulated carrier and kept (deleted, then restored).
      const sent = await get<Status & { price: number }>(`/v1/messages/${got.MSG}`, key);
      expect(sent.status).toBe('delivered');
      // The one for later: cancelled before it left.
      expect((await get<Status>(`/v1/messages/${got.LATER}`, key)).status).toBe('cancelled');
      // The import: Anna updated, Jānis added, the landline's row refused.
      expect(await get<object>(`/v1/imports/${got.IMPORT}`, key)).toMatchObject({
        status: 'completed',
        imported: 1,
        updated: 1,
        failed: 1,
      });
      // The campaign: one recipient (Anna opted out), the click on its short link, cancelled.
      expect(await get<object>(`/v1/campaigns/${got.CAMPAIGN}`, key)).toMatchObject({
        status: 'cancelled',
        stats: { recipients: 1, clicks: 1 },
      });
      // The balance: what was sent charged, what still waits reserved, nothing else. (Keyword replies made
      // during quiet hours wait for the morning; those the account's closure found were failed and released.)
      const balance = await get<{ credits: number; reserved: number }>('/v1/balance', key);
      type Priced = { status: string; price: number };
      const all = (await get<{ data: Priced[] }>('/v1/messages?limit=100', key)).data;
      const sum = (statuses: string[]) =>
        all.filter((m) => statuses.includes(m.status)).reduce((total, m) => total + m.price, 0);
      expect(balance.reserved).toBeCloseTo(sum(['scheduled', 'queued', 'sending']), 6);
      expect(balance.credits).toBeCloseTo(10 - sum(['sent', 'delivered']), 6);
      // The account was closed and restored; the request was forwarded to it; the incident told to it.
      const accounts = await get<List>('/v1/admin/accounts', staffKey);
      expect(accounts.data.find((a) => a.id === got.ACCOUNT)).toMatchObject({ status: 'active' });
      const requests = await get<List>('/v1/admin/privacy-requests', staffKey);
      expect(requests.data.find((r) => r.id === got.REQUEST)).toMatchObject({ status: 'forwarded' });
      expect(await get<object>(`/v1/admin/incidents/${got.INCIDENT}`, staffKey)).toMatchObject({
        affectedAccounts: 1,
        notifiedAccounts: 1,
      });
      // The audit chain the walk-through wrote verifies.
      expect(await get<object>('/v1/audit-log/verify', key)).toMatchObject({ ok: true });
    },
    TEST_TIMEOUT_MS,
  );
});
