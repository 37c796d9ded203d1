import { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../kernel/clock';
import { AppError } from '../kernel/errors';

const WINDOW_MS = 3600_000;
// Past this many addresses, the next check sweeps out those whose window has passed.
const SWEEP_AT = 10_000;

declare module 'fastify' {
  interface FastifyRequest {
    /** The sign-up slot this request holds, given back unless the sign-up succeeds. */
    signupSlot: { ip: string; at: number } | null;
  }
}

/**
 * At most `perHour` sign-ups per client IP in any hour, so one machine cannot farm accounts (and their
 * free credits). A slot is taken before the sign-up runs, so that sign-ups sent together cannot all slip
 * through, and given back when it fails: a mistyped password costs nothing. Counts live in this process.
 */
export function registerSignupLimit(
  app: FastifyInstance,
  options: { clock: Clock; perHour: number; route: { method: string; url: string } },
) {
  if (options.perHour <= 0) return;
  const { clock, perHour, route } = options;
  const byIp = new Map<string, number[]>();

  function sweep(now: number) {
    for (const [ip, times] of byIp) {
      if (times.every((t) => now - t >= WINDOW_MS)) byIp.delete(ip);
    }
  }

  const isSignup = (request: FastifyRequest) =>
    request.method === route.method && request.routeOptions.url === route.url;

  app.decorateRequest('signupSlot', null);
  app.addHook('onRequest', async (request) => {
    if (!isSignup(request)) return;
    const now = clock.now();
    // IPv6 addresses count by subnet, as the request limiter does.
    const ip = normalizeIP(request.ip);
    if (byIp.size >= SWEEP_AT) sweep(now);
    const times = (byIp.get(ip) ?? []).filter((t) => now - t < WINDOW_MS);
    if (times.length >= perHour) {
      byIp.set(ip, times);
      const retryAfterSeconds = Math.max(1, Math.ceil((times[0]! + WINDOW_MS - now) / 1000));
      throw new AppError(
        'rate_limited',
        `At most ${perHour} sign-ups per hour from one address; retry in ${Math.ceil(retryAfterSeconds / 60)} min.`,
        { extra: { retryAfterSeconds } },
      );
    }
    times.push(now);
    byIp.set(ip, times);
    request.signupSlot = { ip, at: now };
  });
  app.addHook('onResponse', async (request, reply) => {
    const slot = request.signupSlot;
    if (!slot || reply.statusCode < 300) return;
    const times = byIp.get(slot.ip);
    const i = times?.indexOf(slot.at) ?? -1;
    if (times && i !== -1) times.splice(i, 1);
  });
}
