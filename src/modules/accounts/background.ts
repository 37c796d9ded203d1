import type { Logger } from '../../kernel/logger';

/**
 * Work started after the answer is decided (mails, throttled look-ups), so that how long a request takes
 * does not tell whether an e-mail is registered. Failures are logged, never thrown at the caller.
 */
export function createBackground(log: Logger | undefined) {
  const pending = new Set<Promise<void>>();
  return {
    run(label: string, work: () => Promise<unknown>): void {
      const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
        .then(work)
        .then(
          () => undefined,
          (err: unknown) => log?.warn({ err }, `${label} failed`),
        )
        .finally(() => pending.delete(task));
      pending.add(task);
    },
    /** Settles once every task started so far (and any they started) has finished. */
    async settled(): Promise<void> {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

export type Background = ReturnType<typeof createBackground>;
