import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/server-process';

const execFileP = promisify(execFile);
const REPO = resolve(__dirname, '../..');
const BIN = join(REPO, 'bin/smsgate.mjs');

/** The environment of a user's shell: none of the server's settings unless a test gives them. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['DATA_DIR', 'DATABASE_URL', 'LOG_LEVEL', 'LOG_FORMAT', 'PORT', 'HOST'])
    delete env[name];
  return { ...env, RATE_LIMIT_MAX: '0', ...extra };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npx smsgate …` in `cwd`, as a user types it. */
async function smsgate(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  try {
    const { stdout, stderr } = await execFileP(process.execPath, [BIN, ...args], {
      cwd,
      env: cleanEnv(env),
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string; killed?: boolean };
    if (e.killed) throw new Error(`smsgate ${args.join(' ')} did not finish: ${e.stderr}`);
    return { code: Number(e.code), stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

interface Served {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** `smsgate serve` (or any command line) in `cwd`, until it answers /healthz. */
async function serve(
  cwd: string,
  env: Record<string, string>,
  command: [string, string[]] = [process.execPath, [BIN, 'serve']],
): Promise<Served> {
  const port = await freePort();
  const child = spawn(command[0], command[1], {
    cwd,
    env: cleanEnv({ ...env, PORT: String(port), HOST: '127.0.0.1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that a failed test can stop everything it started.
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 45_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
    if (await answers(url)) break;
    if (Date.now() > deadline) throw new Error(`server did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    child,
    output: () => out,
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

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`)).ok;
  } catch {
    return false;
  }
}

describe('command line: one configuration, no stray databases, plain start-up errors', () => {
  const root = mkdtempSync(join(tmpdir(), 'smsgate-cli-onboarding-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const folder = (name: string) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it('every command reads ./.env (comments, quotes, export); variables already set win', async () => {
    const cwd = folder('dotenv');
    writeFileSync(
      join(cwd, '.env'),
      [
        '# the server of this folder',
        'export DATA_DIR="./server data"',
        "OPERATOR_NAME='Acme # SMS'",
        'LOG_LEVEL=warn # quiet',
        '',
      ].join('\n'),
    );
    const migrated = await smsgate(cwd, ['migrate']);
    expect(migrated.stderr).toBe('');
    expect(migrated.stdout).toBe(`Migrations applied to SQLite ${join(cwd, 'server data', 'smsgate.db')}.\n`);
    // The operator created by the CLI lands in the server's database: the one named in .env.
    const created = await smsgate(cwd, [
      'admin',
      'create',
      '--email',
      'ops@example.com',
      '--password',
      'a-long-secret-2',
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`Created superadmin ops@example.com`);
    expect(created.stdout).toContain(`in SQLite ${join(cwd, 'server data', 'smsgate.db')}`);
    expect(existsSync(join(cwd, 'data'))).toBe(false);
    // A variable set in the environment is not overridden by the file.
    const elsewhere = await smsgate(cwd, ['migrate'], { DATA_DIR: join(cwd, 'other') });
    expect(elsewhere.stdout).toContain(join(cwd, 'other', 'smsgate.db'));
    // A malformed line is reported with its line number, not ignored.
    writeFileSync(join(cwd, '.env'), 'DATA_DIR=./x\nthis is not a setting\n');
    const broken = await smsgate(cwd, ['migrate']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('.env line 2: not a KEY=VALUE line');
  }, 90_000);

  it('admin create, audit verify and retention sweep refuse to start a database nobody asked for', async () => {
    const cwd = folder('stray');
    for (const args of [
      ['admin', 'create', '--email', 'ops@example.com', '--password', 'a-long-secret-2'],
      ['audit', 'verify'],
      ['retention', 'sweep'],
    ]) {
      const refused = await smsgate(cwd, args);
      expect(refused.code, args.join(' ')).toBe(1);
      expect(refused.stderr).toContain(`No database at ${join(cwd, 'data', 'smsgate.db')}`);
      expect(refused.stderr).toContain('DATA_DIR=');
      expect(refused.stderr).toContain('--create');
      expect(refused.stderr).toContain('there is no .env in this folder');
      expect(readdirSync(cwd), args.join(' ')).toEqual([]);
    }
    // A failed attempt (a weak password) leaves nothing behind either.
    const weak = await smsgate(cwd, ['admin', 'create', '--email', 'ops@example.com', '--password', 'x']);
    expect(weak.code).toBe(1);
    expect(readdirSync(cwd)).toEqual([]);
    // Asked for: the database is made, and the command says which one it wrote to.
    const created = await smsgate(cwd, [
      'admin',
      'create',
      '--email',
      'ops@example.com',
      '--password',
      'a-long-secret-2',
      '--create',
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`in SQLite ${join(cwd, 'data', 'smsgate.db')}`);
    const verified = await smsgate(cwd, ['audit', 'verify']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toContain(`Database: SQLite ${join(cwd, 'data', 'smsgate.db')}`);
  }, 90_000);

  it('a data folder that cannot be made or written is named, at once, with exit 1', async () => {
    const cwd = folder('bad-dirs');
    writeFileSync(join(cwd, 'a-file'), '');
    const proc = await smsgate(cwd, ['migrate'], { DATA_DIR: '/proc/smsgate-data' });
    expect(proc.code).toBe(1);
    expect(proc.stderr).toContain('DATA_DIR: cannot create the folder /proc/smsgate-data');
    const underFile = await smsgate(cwd, ['serve'], { DATA_DIR: join(cwd, 'a-file', 'data') });
    expect(underFile.code).toBe(1);
    expect(underFile.stderr).toContain(`DATA_DIR: ${join(cwd, 'a-file')} is a file, not a folder`);
  }, 60_000);

  it('a PostgreSQL server that cannot be reached is one sentence naming host and port, not a trace', async () => {
    const cwd = folder('pg');
    const port = await freePort();
    for (const command of ['migrate', 'serve']) {
      const r = await smsgate(cwd, [command], {
        DATABASE_URL: `postgres://smsgate@127.0.0.1:${port}/smsgate`,
      });
      expect(r.code, command).toBe(1);
      expect(r.stderr).toBe(
        `Cannot connect to PostgreSQL at 127.0.0.1:${port} (ECONNREFUSED). Check DATABASE_URL and that the database server is running.\n`,
      );
    }
  }, 60_000);

  it('help describes the variables that exist', async () => {
    const help = await smsgate(folder('help'), ['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).not.toContain('ROLES');
    expect(help.stdout).toContain('.env');
  });

  it('the banner points at /admin with a pasteable command; request lines log the path of every request', async () => {
    const cwd = folder('banner');
    const first = await serve(cwd, { LOG_LEVEL: 'info', WORKERS: 'false' });
    try {
      expect(first.output()).toContain(
        "npx smsgate admin create --email you@example.com --password 'choose-a-long-password'",
      );
      expect(first.output()).not.toContain('<password>');
      await fetch(`${first.url}/no-such-page?token=secret-value`);
      await fetch(`${first.url}/v1/no-such-endpoint`);
      await fetch(`${first.url}/healthz`);
      await new Promise((r) => setTimeout(r, 300));
      // Not a terminal: one JSON object per line, each request with its path.
      const requests = first
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { msg: string; url?: string })
        .filter((line) => line.msg === 'request');
      expect(requests.slice(-3).map((r) => r.url)).toEqual([
        '/no-such-page',
        '/v1/no-such-endpoint',
        '/healthz',
      ]);
      expect(first.output()).not.toContain('secret-value');
    } finally {
      await first.stop();
    }
    expect(
      (await smsgate(cwd, ['admin', 'create', '--email', 'ops@example.com', '--password', 'a-long-secret-2']))
        .code,
    ).toBe(0);
    const second = await serve(cwd, { LOG_LEVEL: 'info', LOG_FORMAT: 'pretty', WORKERS: 'false' });
    try {
      expect(second.output()).toContain(`back office at http://localhost:`);
      expect(second.output()).toMatch(/back office at http:\/\/localhost:\d+\/admin /);
      expect(second.output()).not.toContain('/v1/admin (');
      await fetch(`${second.url}/no-such-page`);
      await new Promise((r) => setTimeout(r, 300));
      // Pretty lines for people: no JSON among the banner.
      expect(second.output()).toMatch(
        /^\d\d:\d\d:\d\d INFO {2}request .*method=GET url=\/no-such-page status=\d+ ms=\d+/m,
      );
      expect(second.output()).not.toMatch(/^\{/m);
    } finally {
      await second.stop();
    }
  }, 120_000);

  it('SIGTERM to the `npm start` process stops the server', async () => {
    const cwd = folder('npm');
    const npm = await serve(REPO, { DATA_DIR: join(cwd, 'data'), LOG_LEVEL: 'warn', WORKERS: 'false' }, [
      'npm',
      ['start', '--ignore-scripts', '--silent'],
    ]);
    try {
      process.kill(npm.child.pid!, 'SIGTERM');
      let up = true;
      for (let i = 0; i < 100 && up; i++) {
        await new Promise((r) => setTimeout(r, 100));
        up = await answers(npm.url);
      }
      expect(up).toBe(false);
    } finally {
      await npm.stop();
    }
  }, 90_000);
});
