import type { Redis } from 'ioredis';
import type { Logger } from '../kernel/logger';
import {
  SHARED_SEND_WITHIN_MS,
  type SharedThroughputFactory,
  sharedThroughput,
  type ThroughputCounter,
} from '../modules/route-port';

/**
 * One sliding window per route in Redis (a sorted set of grant times, Redis's own clock): grants at most
 * `limit` sends in any `window` ms, and otherwise answers when the oldest grant leaves the window.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local free = limit - redis.call('ZCARD', KEYS[1])
if free <= 0 then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) + window - now}
end
local n = math.min(free, tonumber(ARGV[3]))
local seq = redis.call('INCRBY', KEYS[2], n)
for i = 1, n do redis.call('ZADD', KEYS[1], now, seq - i) end
redis.call('PEXPIRE', KEYS[1], window * 2)
redis.call('PEXPIRE', KEYS[2], window * 2)
return {n, 0}
`;

/**
 * Route throughput shared by the processes of a deployment through Redis. While Redis cannot be reached,
 * each process keeps only its own limit (sends are not stopped for it), and says so once.
 */
export function redisSharedThroughput(redis: Redis, prefix: string, logger: Logger): SharedThroughputFactory {
  redis.defineCommand('smsgateTakeSends', { numberOfKeys: 2, lua: TAKE });
  const take = (
    redis as unknown as Record<string, (...args: unknown[]) => Promise<[number, number]>>
  ).smsgateTakeSends!.bind(redis);
  let warned = false;
  return (routeId, perSecond) => {
    if (perSecond <= 0) return null;
    const keys = [`${prefix}:throughput:${routeId}`, `${prefix}:throughput:${routeId}:seq`];
    // Sends start up to SHARED_SEND_WITHIN_MS after their grant: a window that much longer keeps any one
    // second of starts within the limit.
    const window = 1000 + SHARED_SEND_WITHIN_MS;
    const counter: ThroughputCounter = async (want) => {
      try {
        const [granted, retryMs] = await take(...keys, perSecond, window, want);
        warned = false;
        return { granted: Number(granted), retryMs: Number(retryMs) };
      } catch (error) {
        if (!warned)
          logger.warn(
            { err: error, routeId },
            'shared route throughput unavailable: this process keeps its own limit',
          );
        warned = true;
        return { granted: want, retryMs: 0 };
      }
    };
    return sharedThroughput(counter, perSecond);
  };
}
