/**
 * The faults a chaos trial injects. Each breaks one part at a random moment of the run and puts it back;
 * `inject` resolves when the part is back (the moment recovery time is measured from).
 */
import pg from 'pg';
import { type Deployment, OBSERVER } from './deployment';
import { sleep } from './processes';

export interface Fault {
  name: string;
  /** Deployments it applies to. */
  on: Array<Deployment['kind']>;
  /** A fault that kills a process holding carrier work: duplicates are bounded by window × binds. */
  kills: boolean;
  inject(d: Deployment): Promise<void>;
}

async function terminateBackends(d: Deployment): Promise<void> {
  const url = new URL(d.pgUrl!);
  const database = url.pathname.slice(1);
  const admin = new pg.Client({ connectionString: d.pgUrl, application_name: OBSERVER });
  await admin.connect();
  try {
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = $1 AND pid <> pg_backend_pid() AND application_name <> $2`,
      [database, OBSERVER],
    );
  } finally {
    await admin.end();
  }
}

async function redisCommand(d: Deployment, command: string): Promise<void> {
  const { default: Redis } = await import('ioredis');
  const url = new URL(String(d.redisUrl));
  const client = new Redis({ host: url.hostname, port: Number(url.port), lazyConnect: true });
  await client.connect();
  try {
    await client.call(...(command.split(' ') as [string, ...string[]]));
  } finally {
    client.disconnect();
  }
}

export const FAULTS: Fault[] = [
  {
    name: 'kill-server',
    on: ['sqlite'],
    kills: true,
    async inject(d) {
      await d.api.kill9();
      await sleep(500);
      await d.api.start();
    },
  },
  {
    name: 'kill-worker',
    on: ['split'],
    kills: true,
    async inject(d) {
      await d.worker!.kill9();
      await sleep(500);
      await d.worker!.start();
    },
  },
  {
    name: 'kill-api',
    on: ['split'],
    kills: false,
    async inject(d) {
      await d.api.kill9();
      await sleep(500);
      await d.api.start();
    },
  },
  {
    name: 'pg-terminate',
    on: ['split'],
    kills: false,
    async inject(d) {
      await terminateBackends(d);
    },
  },
  {
    name: 'pg-outage-5s',
    on: ['split'],
    kills: false,
    async inject(d) {
      d.pgProxy!.cut();
      await sleep(5000);
      d.pgProxy!.restore();
    },
  },
  {
    name: 'redis-client-kill',
    on: ['split'],
    kills: false,
    async inject(d) {
      await redisCommand(d, 'CLIENT KILL TYPE normal');
    },
  },
  {
    name: 'redis-pause-5s',
    on: ['split'],
    kills: false,
    async inject(d) {
      d.redis!.pause();
      await sleep(5000);
      d.redis!.resume();
    },
  },
  {
    name: 'redis-kill',
    on: ['split'],
    kills: false,
    async inject(d) {
      await d.redis!.kill9();
      await sleep(2000);
      await d.redis!.start();
    },
  },
  {
    name: 'carrier-drop',
    on: ['sqlite', 'split'],
    kills: true,
    async inject(d) {
      await d.carrier.drop();
    },
  },
  {
    name: 'carrier-kill-3s',
    on: ['sqlite', 'split'],
    kills: true,
    async inject(d) {
      await d.carrier.kill9();
      await sleep(3000);
      await d.carrier.start();
    },
  },
  {
    name: 'carrier-hang-5s',
    on: ['sqlite', 'split'],
    kills: true,
    async inject(d) {
      await d.carrier.behaviour({ respond: false });
      await sleep(5000);
      await d.carrier.behaviour({ respond: true });
    },
  },
  {
    name: 'carrier-throttle-5s',
    on: ['sqlite', 'split'],
    kills: false,
    async inject(d) {
      await d.carrier.behaviour({ throttleEvery: 2 });
      await sleep(5000);
      await d.carrier.behaviour({ throttleEvery: 0 });
    },
  },
  {
    name: 'webhook-down-10s',
    on: ['sqlite', 'split'],
    kills: false,
    async inject(d) {
      d.webhooks.mode('down');
      await sleep(10_000);
      d.webhooks.mode('up');
    },
  },
  {
    name: 'webhook-hang-10s',
    on: ['sqlite', 'split'],
    kills: false,
    async inject(d) {
      d.webhooks.mode('hang');
      await sleep(10_000);
      d.webhooks.mode('up');
    },
  },
];
