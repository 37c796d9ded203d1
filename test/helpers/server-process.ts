import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1, found by letting the OS pick one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  url: string;
  /** DATA_DIR of the process, when one was given: its mails are files under `mail/`. */
  dataDir: string | null;
  child: ChildProcess;
  output(): string;
  /** SIGKILL: no shutdown hook runs, like a power cut to the process. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** DATA_DIR of each running server by URL, so that helpers given only a URL can read its mail. */
const dataDirs = new Map<string, string>();

/** Runs `smsgate serve` as its own process, the way `npm start` does, and waits until it answers. */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/smsgate.mjs', 'serve'], {
    env: {
      ...process.env,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_MAX: '0',
      SIGNUP_PER_IP_PER_HOUR: '0',
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += String(d);
  });
  child.stderr?.on('data', (d) => {
    out += String(d);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${out}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (env.DATA_DIR) dataDirs.set(url, env.DATA_DIR);
  exited.then(() => dataDirs.delete(url));
  return {
    url,
    dataDir: env.DATA_DIR ?? null,
    child,
    output: () => out,
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs `smsgate worker` (background workers only) until stopped. */
export function startWorkerProcess(env: Record<string, string>): { stop(): Promise<void> } {
  const child = spawn(process.execPath, ['bin/smsgate.mjs', 'worker'], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * The last link of a kind (`verify-email`, `reset-password`) that a server without SMTP wrote to its
 * mail folder for `to`, as a user would find it.
 */
export function mailedLink(dataDir: string, to: string, kind = 'verify-email'): string {
  const dir = join(dataDir, 'mail');
  const files = readdirSync(dir).sort();
  for (const file of files.reverse()) {
    const text = readFileSync(join(dir, file), 'utf8');
    if (!text.includes(`\nTo: ${to}\n`) && !text.startsWith(`To: ${to}\n`)) continue;
    const link = new RegExp(`(https?://\\S+/${kind}\\?token=[A-Za-z0-9_-]+)`).exec(text);
    if (link) return link[1]!;
  }
  throw new Error(`no ${kind} link mailed to ${to} in ${dir}`);
}

/** Confirms `email` through the link the server mailed (sending free credits needs it). */
export async function verifyMailedEmail(
  server: string | { url: string; dataDir: string | null },
  email: string,
) {
  const url = typeof server === 'string' ? server : server.url;
  const dataDir = typeof server === 'string' ? (dataDirs.get(server) ?? null) : server.dataDir;
  if (!dataDir) throw new Error('the server has no DATA_DIR to read mail from');
  // The mail may be written just after the answer: look again for a few seconds.
  let link: string | null = null;
  for (let i = 0; link === null; i++) {
    try {
      link = mailedLink(dataDir, email);
    } catch (error) {
      if (i >= 50) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const token = new URL(link).searchParams.get('token');
  const r = await fetch(`${url}/v1/auth/verify-email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (r.status !== 204) throw new Error(`verify-email answered ${r.status}: ${await r.text()}`);
}
