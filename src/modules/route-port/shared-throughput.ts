/**
 * A route's throughput limit shared by every process of a deployment: each process takes sends from one
 * counter (Redis), so three workers holding binds of one route send no more than its limit together.
 * Sends are taken in small batches and must start within {@link SHARED_SEND_WITHIN_MS} of being taken;
 * the counter allows the limit per one second plus that time, so no one-second span of sends, as the
 * carrier sees them, holds more than the limit.
 */
export interface SharedThroughput {
  /** Takes one send now if one was taken for this process and is still fresh; never waits. */
  tryTake(): boolean;
  /** Resolves once this process holds a send again (wait for the counter, then take a batch). */
  refill(signal?: AbortSignal): Promise<void>;
  /** Resolves when one send may start. */
  acquire(signal?: AbortSignal): Promise<void>;
}

/** How soon after being taken a send must start; later, it is dropped and counts for nothing. */
export const SHARED_SEND_WITHIN_MS = 100;

/** The counter behind it: grants up to `want` sends now, or says in how many ms to ask again. */
export type ThroughputCounter = (want: number) => Promise<{ granted: number; retryMs: number }>;

/** Builds a route's shared limit of `perSecond`, or null when processes do not share one (no Redis). */
export type SharedThroughputFactory = (routeId: string, perSecond: number) => SharedThroughput | null;

/**
 * The process-side of a shared limit: a few fresh sends held locally (so a synchronous pump can use them),
 * one request to the counter at a time.
 */
export function sharedThroughput(
  counter: ThroughputCounter,
  perSecond: number,
  now: () => number = () => performance.now(),
): SharedThroughput {
  // A batch is a tenth of a second's worth: big enough to spare round trips, small enough to share.
  const batch = Math.max(1, Math.min(50, Math.floor(perSecond / 10)));
  let held = 0;
  let freshUntil = 0;
  let asking: Promise<void> | null = null;

  function tryTake(): boolean {
    if (held > 0 && now() <= freshUntil) {
      held--;
      return true;
    }
    held = 0;
    return false;
  }

  async function ask(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const askedAt = now();
      const { granted, retryMs } = await counter(batch);
      if (granted > 0) {
        held = granted;
        freshUntil = askedAt + SHARED_SEND_WITHIN_MS;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(retryMs, 1000))));
    }
  }

  function refill(signal?: AbortSignal): Promise<void> {
    if (held > 0 && now() <= freshUntil) return Promise.resolve();
    asking ??= ask(signal).finally(() => {
      asking = null;
    });
    return asking;
  }

  return {
    tryTake,
    refill,
    async acquire(signal) {
      while (!tryTake()) await refill(signal);
    },
  };
}
