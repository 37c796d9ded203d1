import type { Logger } from '../kernel/logger';

export interface Loop {
  stop(): Promise<void>;
}

/**
 * Runs `tick` again and again: at once while it finds work, after `idleMs` when it found none, and
 * after a back-off when it threw (the error is logged; the loop goes on).
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

  const run = async () => {
    while (running) {
      let delay = 0;
      try {
        const done = await tick();
        if (done === 0) delay = options.idleMs;
      } catch (error) {
        options.logger.error({ err: error, loop: name }, 'worker loop failed; retrying');
        delay = Math.max(1000, options.idleMs);
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
