import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { AppError } from '../../kernel/errors';
import { safeEqualString } from '../safe-equal';

/**
 * One dependency's state: `ok`, or a word saying what is wrong (`unavailable`, `full`, migrations
 * `pending`, no route `unbound`).
 */
export type CheckState = 'ok' | 'unavailable' | 'full' | 'pending' | 'unbound';

/** Runs every readiness check; each check names itself (`database`, `storage`, `queue`). */
export type ReadinessProbe = () => Promise<Record<string, CheckState>>;

const PUBLIC = { auth: 'public' } as const;

/** The metrics a scraper reads, and the bearer token it must show (none: open, as API.md says). */
export interface MetricsEndpoint {
  token: string | undefined;
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * `GET /healthz`: the process is alive and serving (a liveness probe: restart it when this fails).
 * `GET /readyz`: its dependencies are usable, each check by name; 200 when all are `ok`, else 503 (a
 * readiness probe: send it no traffic meanwhile; it recovers by itself). Neither needs credentials,
 * and neither says more than a word per check.
 */
export function healthRoutes(services: {
  readiness?: ReadinessProbe;
  metrics?: MetricsEndpoint;
}): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/healthz', { schema: { hide: true }, config: PUBLIC }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { hide: true }, config: PUBLIC }, async (_request, reply) => {
      const checks = services.readiness ? await services.readiness() : {};
      const ready = Object.values(checks).every((state) => state === 'ok');
      // no-store: a cached "ok" would hide an outage from the probe that asks.
      reply.header('cache-control', 'no-store');
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks });
    });
    // Prometheus's scrape: with METRICS_TOKEN set, only with it (the figures name routes and countries).
    app.get('/metrics', { schema: { hide: true }, config: PUBLIC }, async (request, reply) => {
      const metrics = services.metrics;
      if (!metrics) throw new AppError('not_found', 'Metrics are off in this process (METRICS=false).');
      const given = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
      if (metrics.token !== undefined && !safeEqualString(given, metrics.token))
        throw new AppError('unauthorized', 'Send the metrics token as a bearer token.');
      const { contentType, body } = await metrics.render();
      reply.header('cache-control', 'no-store');
      return reply.type(contentType).send(body);
    });
  };
}
