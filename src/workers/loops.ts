import { performance } from 'node:perf_hooks';
import type { Logger } from '../kernel/logger';
import { storageFault } from '../storage/faults';

export interface Loop {
  stop(): Promise<void>;
}

/** The first retry after a failed tick, doubled per failure in a row up to {@link MAX_RETRY_MS}. */
const FIRST_RETRY_MS = 250;
/**
 * Cap on the wait after failures: work resumes within this long of the database coming back, even in
 * loops that otherwise sleep for an hour between runs (retention, sweeps).
 */
const MAX_RETRY_MS = 4000;

/** While a loop keeps failing, an error line at most this often (the others go to debug). */
const LOG_EVERY_MS = 60_000;

/**
 * Runs `tick` again and again: at once while it finds work, after `idleMs` when it found none, and
 * after a back-off when it threw (the loop goes on). When the database is away or full, the back-off
 * starts short and doubles up to a few seconds whatever `idleMs` is, so that work picks up again soon
 * after the database returns; any other error waits `idleMs` (at least a second), as retrying a bug at
 * once helps nobody. A run of failures logs an error on the first and then at most once a minute (a
 * database away for a minute is one line per loop, not hundreds); the first success after them says so.
 */
export function startLoop(
  name: string,
  tick: () => Promise<number>,
  options: { idleMs: number; logger: Logger },
): Loop {
  let running = true;
  let timer: NodeJS.Timeout | null = null;
  let current: Promise<void> = Promise.resolve();
  let wake: (() => void) | null = null;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
    });

  let failures = 0;
  let loggedAt = 0;
  const run = async () => {
    while (running) {
      let delay = 0;
      try {
        const done = await tick();
        if (done === 0) delay = options.idleMs;
        if (failures > 0) options.logger.info({ loop: name, failures }, 'worker loop resumed');
        failures = 0;
      } catch (error) {
        failures++;
        const now = performance.now();
        if (failures === 1 || now - loggedAt >= LOG_EVERY_MS) {
          loggedAt = now;
          options.logger.error({ err: error, loop: name, failures }, 'worker loop failed; retrying');
        } else options.logger.debug({ err: error, loop: name, failures }, 'worker loop failed again');
        delay = storageFault(error)
          ? Math.min(FIRST_RETRY_MS * 2 ** Math.min(failures - 1, 10), MAX_RETRY_MS)
          : Math.max(1000, options.idleMs);
      }
      if (delay > 0 && running) await sleep(delay);
      else await new Promise((resolve) => setImmediate(resolve));
    }
  };
  current = run();
  return {
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      wake?.();
      await current;
    },
  };
}
