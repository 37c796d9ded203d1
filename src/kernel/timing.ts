/**
 * Waiting with a bound: for a promise that may never settle (a connection that is gone), and pauses
 * between attempts of a retry loop.
 */

/** Whether `promise` settles (either way) within `ms`; the promise itself is left to run. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return settled;
}

/**
 * `promise`'s outcome, or a rejection with `timeoutError()` once `ms` have passed without one. What the
 * promise does later is ignored (a late rejection included).
 */
export async function within<T>(promise: Promise<T>, ms: number, timeoutError: () => Error): Promise<T> {
  promise.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(timeoutError()), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves after `ms`. */
export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
