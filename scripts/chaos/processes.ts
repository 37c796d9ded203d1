/**
 * The parts a chaos trial starts and breaks: smsgate processes, the SMSC simulator process, a private
 * redis-server, and a TCP proxy in front of PostgreSQL (cutting it looks to smsgate exactly like a
 * database restart, without touching the machine's own cluster). Everything listens on 127.0.0.1 and
 * everything started here is stopped here.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { freePort, ROOT, sleep } from '../../bench/lib';

export { freePort, sleep };

/** A child process that can be killed like a power cut and started again with the same settings. */
export interface Restartable {
  readonly name: string;
  pid(): number | undefined;
  start(): Promise<void>;
  kill9(): Promise<void>;
  /** SIGSTOP / SIGCONT: a process that hangs without closing its sockets. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  output(): string;
}

function exitOf(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((done) => child.once('exit', () => done()));
}

/**
 * A process the trial can kill and start again. With CHAOS_KEEP set (and a data folder), everything every
 * life of it printed is also kept in `<folder>/<name>.log`, to read after the trial.
 */
function restartable(name: string, launch: () => Promise<ChildProcess>, folder?: string): Restartable {
  let child: ChildProcess | null = null;
  let out = '';
  const logFile = folder && process.env.CHAOS_KEEP ? join(folder, `${name}.log`) : null;
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-8000);
    if (logFile) appendFileSync(logFile, chunk);
  };
  return {
    name,
    pid: () => child?.pid,
    async start() {
      child = await launch();
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
    },
    async kill9() {
      if (!child) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exitOf(child);
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
    async stop() {
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      await exitOf(child);
      clearTimeout(timer);
    },
    output: () => out,
  };
}

async function waitFor(what: string, check: () => Promise<boolean>, child: ChildProcess, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${ms} ms`);
    await sleep(100);
  }
}

/** `smsgate serve` (HTTP, and the workers unless WORKERS=false) on a fixed port. */
export function smsgateServer(name: string, port: number, env: Record<string, string>): Restartable {
  return restartable(
    name,
    async () => {
      const child = spawn(
        process.execPath,
        ['--max-old-space-size=256', join(ROOT, 'bin/smsgate.mjs'), 'serve'],
        {
          cwd: ROOT,
          env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      await waitFor(name, async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, child);
      return child;
    },
    env.DATA_DIR,
  );
}

/**
 * `smsgate worker`: dispatch, receipts, webhooks and the scheduler, no HTTP. Started once it says it is
 * running (its loops started), as the server is once `/healthz` answers: recovery counts from there.
 */
export function smsgateWorker(name: string, env: Record<string, string>): Restartable {
  return restartable(
    name,
    async () => {
      const child = spawn(
        process.execPath,
        ['--max-old-space-size=256', join(ROOT, 'bin/smsgate.mjs'), 'worker'],
        {
          cwd: ROOT,
          env: { ...process.env, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let said = '';
      const listen = (chunk: Buffer) => {
        said = (said + chunk.toString()).slice(-4000);
      };
      child.stdout?.on('data', listen);
      await waitFor(name, async () => said.includes('smsgate worker running'), child);
      child.stdout?.off('data', listen);
      return child;
    },
    env.DATA_DIR,
  );
}

export interface CarrierStats {
  submits: number;
  accepted: number;
  destinations: number;
  duplicates: number;
  bound: number;
}

export interface Carrier extends Restartable {
  readonly port: number;
  behaviour(patch: { throttleEvery?: number; respond?: boolean; receipts?: boolean }): Promise<void>;
  drop(): Promise<void>;
  /** Counts since this carrier process started. */
  stats(): Promise<CarrierStats>;
  /** Accepted submit_sm per destination over every life of the carrier (read from its log file). */
  acceptedByDestination(): Map<string, number>;
}

/** The SMSC simulator in its own process (scripts/chaos/smsc-process.ts). */
export function carrier(port: number, logFile: string): Carrier {
  let child: ChildProcess | null = null;
  let sequence = 0;
  const pending = new Map<number, (body: unknown) => void>();
  const ask = (message: object) =>
    new Promise<unknown>((done, fail) => {
      if (!child?.connected) return fail(new Error('carrier is down'));
      const id = ++sequence;
      pending.set(id, done);
      child.send({ ...message, id });
    });
  const base = restartable('carrier', async () => {
    const c = fork(join(ROOT, 'scripts/chaos/smsc-process.ts'), ['--port', String(port), '--log', logFile], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    c.on('message', (m: { id?: number; body?: unknown }) => {
      if (m.id !== undefined) {
        pending.get(m.id)?.(m.body);
        pending.delete(m.id);
      }
    });
    await new Promise<void>((done, fail) => {
      c.once('exit', (code) => fail(new Error(`carrier exited with ${code}`)));
      c.on('message', (m: { ready?: boolean }) => m.ready && done());
    });
    child = c;
    return c;
  });
  const stats = async () => (await ask({ cmd: 'stats' })) as CarrierStats;
  return {
    ...base,
    port,
    async behaviour(patch) {
      await ask({ cmd: 'behaviour', patch });
    },
    async drop() {
      await ask({ cmd: 'drop' });
    },
    stats,
    acceptedByDestination() {
      const counts = new Map<string, number>();
      let text = '';
      try {
        text = readFileSync(logFile, 'utf8');
      } catch {
        // nothing accepted yet
      }
      // A line is `<destination> <ms since epoch>` (the time helps reading the processes' logs).
      for (const line of text.split('\n')) {
        const to = line.split(' ')[0];
        if (to) counts.set(to, (counts.get(to) ?? 0) + 1);
      }
      return counts;
    },
  };
}

/** A private redis-server on its own port, keeping nothing on disk. */
export function redisServer(port: number): Restartable {
  return restartable('redis', async () => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await waitFor(
      'redis',
      () =>
        new Promise((done) => {
          const socket = connect(port, '127.0.0.1', () => {
            socket.end();
            done(true);
          });
          socket.on('error', () => done(false));
        }),
      child,
    );
    return child;
  });
}

/**
 * A TCP proxy: `cut()` resets every connection and refuses new ones until `restore()`, which is what a
 * PostgreSQL restart looks like from the client side.
 */
export interface TcpProxy {
  readonly port: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const forget = () => {
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => {
      upstream.destroy();
      forget();
    });
    upstream.on('close', () => {
      client.destroy();
      forget();
    });
  });
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return {
    port,
    cut() {
      down = true;
      for (const socket of sockets) socket.resetAndDestroy();
      sockets.clear();
    },
    restore() {
      down = false;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((done) => server.close(() => done()));
    },
  };
}
