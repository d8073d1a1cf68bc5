export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * Settles with `promise`, or rejects with a `TimeoutError` after `ms`. The work itself is not
 * cancelled: callers use this where a late completion is harmless (an idempotent publish, a
 * metrics read), to bound how long they wait on a dependency that may be down.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
