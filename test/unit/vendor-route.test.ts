import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusFailure } from '../../src/adapters/http-carrier/transport';
import { createVendorRoute } from '../../src/adapters/http-carrier/vendor-route';
import { systemClock } from '../../src/kernel/clock';
import { createLogger } from '../../src/kernel/logger';
import { RouteError } from '../../src/modules/dispatch';
import { outbound, routeError } from '../helpers/carrier-harness';

/** What every vendor route shares: its pace, its health, and when it takes itself out of service. */
describe('vendor route (shared part)', () => {
  let server: Server;
  let base = '';
  const arrivals: number[] = [];
  let answer = { status: 200, delayMs: 0 };

  beforeAll(async () => {
    server = createServer((req, res) => {
      arrivals.push(performance.now());
      req.resume();
      req.on('end', () => setTimeout(() => res.writeHead(answer.status).end('{"id":"x"}'), answer.delayMs));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const route = (connection: { throughput?: number; timeoutMs?: number }, url = base) =>
    createVendorRoute({
      id: 'rte_v',
      clock: systemClock,
      logger: createLogger({ level: 'silent' }),
      connection: {
        maxConnections: 4,
        timeoutMs: connection.timeoutMs ?? 2000,
        throughput: connection.throughput ?? 0,
      },
      build: () => ({ method: 'POST', url: `${url}/send`, body: '{}' }),
      interpret: (response) => {
        const failure = statusFailure(response, Date.now());
        if (failure) throw failure;
        return { carrierRef: 'x', partRefs: ['x'] };
      },
    });

  it('starts at most `throughput` requests in any second, below 1 a second too', async () => {
    const r = route({ throughput: 2 });
    arrivals.length = 0;
    await Promise.all(Array.from({ length: 5 }, () => r.send(outbound())));
    expect(arrivals).toHaveLength(5);
    for (let i = 2; i < arrivals.length; i++)
      expect(arrivals[i]! - arrivals[i - 2]!).toBeGreaterThanOrEqual(990);
    const slow = route({ throughput: 0.8 });
    arrivals.length = 0;
    await Promise.all([slow.send(outbound()), slow.send(outbound())]);
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(1240);
    r.close();
    slow.close();
  });

  it('sends nothing for a job withdrawn while it waits for its turn', async () => {
    const r = route({ throughput: 1 });
    await r.send(outbound());
    const before = arrivals.length;
    const controller = new AbortController();
    const waiting = r.send(outbound({ signal: controller.signal }));
    setTimeout(() => controller.abort(), 100);
    expect(await routeError(waiting)).toMatchObject({ code: 'unreachable' });
    // The one behind it still gets its turn.
    await r.send(outbound());
    expect(arrivals.length - before).toBe(1);
    r.close();
  });

  it('goes out of service on connection and credential failures, not on timeouts or refusals', async () => {
    const r = route({ timeoutMs: 500 });
    answer = { status: 401, delayMs: 0 };
    expect(await routeError(r.send(outbound()))).toMatchObject({ code: 'auth_failed' });
    expect(r.health().connectedBinds).toBe(0);
    answer = { status: 400, delayMs: 0 };
    // A refused message proves the vendor answers again, with these credentials.
    expect(await routeError(r.send(outbound()))).toBeInstanceOf(RouteError);
    expect(r.health().connectedBinds).toBe(1);
    answer = { status: 200, delayMs: 1500 };
    expect(await routeError(r.send(outbound()))).toMatchObject({ code: 'timeout' });
    expect(r.health()).toMatchObject({ connectedBinds: 1, errorsLastMinute: 3, inFlight: 0 });
    expect(r.health().lastError).toContain('timeout');
    answer = { status: 200, delayMs: 0 };
    const down = route({}, 'http://127.0.0.1:1');
    expect(await routeError(down.send(outbound()))).toMatchObject({ code: 'unreachable' });
    expect(down.health().connectedBinds).toBe(0);
    r.close();
    down.close();
  });
});
