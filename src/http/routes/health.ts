import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

/** One dependency's state: `ok`, or a word saying what is wrong (`unavailable`, `full`). */
export type CheckState = 'ok' | 'unavailable' | 'full';

/** Runs every readiness check; each check names itself (`database`, `storage`, `queue`). */
export type ReadinessProbe = () => Promise<Record<string, CheckState>>;

const PUBLIC = { auth: 'public' } as const;

/**
 * `GET /healthz`: the process is alive and serving (a liveness probe: restart it when this fails).
 * `GET /readyz`: its dependencies are usable, each check by name; 200 when all are `ok`, else 503 (a
 * readiness probe: send it no traffic meanwhile; it recovers by itself). Neither needs credentials,
 * and neither says more than a word per check.
 */
export function healthRoutes(services: { readiness?: ReadinessProbe }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/healthz', { schema: { hide: true }, config: PUBLIC }, async () => ({ status: 'ok' }));
    app.get('/readyz', { schema: { hide: true }, config: PUBLIC }, async (_request, reply) => {
      const checks = services.readiness ? await services.readiness() : {};
      const ready = Object.values(checks).every((state) => state === 'ok');
      // no-store: a cached "ok" would hide an outage from the probe that asks.
      reply.header('cache-control', 'no-store');
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks });
    });
  };
}
