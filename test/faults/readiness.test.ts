import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/server-process';
import { DIALECTS } from '../helpers/storage';
import { startTestSystem, type TestSystem } from '../helpers/system';

const REDIS_URL = process.env.TEST_REDIS_URL;

describe.each(DIALECTS)('health and readiness on %s', (dialect) => {
  let ts: TestSystem | null = null;
  afterEach(async () => {
    await ts?.system.stop().catch(() => undefined);
    await ts?.close().catch(() => undefined);
    ts = null;
  });

  it('/healthz says the process is alive; /readyz names each check and is ok when all are', async () => {
    ts = await startTestSystem(dialect);
    const live = await ts.app.inject({ method: 'GET', url: '/healthz' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'ok' });
    const ready = await ts.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.headers['cache-control']).toBe('no-store');
    expect(ready.json()).toEqual({
      status: 'ok',
      checks: { database: 'ok', storage: 'ok', migrations: 'ok', routes: 'ok' },
    });
  });

  it.skipIf(!REDIS_URL)('with Redis, /readyz checks it too', async () => {
    ts = await startTestSystem(dialect, { REDIS_URL: REDIS_URL!, REDIS_PREFIX: `ready-${Date.now()}` });
    const ready = await ts.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json(), ready.body).toEqual({
      status: 'ok',
      checks: { database: 'ok', storage: 'ok', queue: 'ok', migrations: 'ok', routes: 'ok' },
    });
  });

  it('a Redis that is not there makes /readyz answer 503 with "queue": "unavailable", at once', async () => {
    ts = await startTestSystem(dialect, { REDIS_URL: `redis://127.0.0.1:${await freePort()}/7` });
    const started = Date.now();
    const ready = await ts.app.inject({ method: 'GET', url: '/readyz' });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({
      status: 'unavailable',
      checks: { database: 'ok', storage: 'ok', queue: 'unavailable', migrations: 'ok', routes: 'ok' },
    });
  });
});
