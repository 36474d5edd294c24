import { setTimeout as sleep } from 'node:timers/promises';
import { inspect } from 'node:util';

export interface WaitForOptions {
  /** Default 5000. */
  readonly timeoutMs?: number;
  /** Default 25. */
  readonly intervalMs?: number;
  /** Prefix of the timeout error. */
  readonly message?: string;
}

/**
 * Polls `probe` until it returns a truthy value and returns that value. A probe that throws counts
 * as not ready yet. On timeout, throws with `message` and the last value (or error) seen.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  opts: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const intervalMs = opts.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const described = inspect(last, { depth: 3, breakLength: Infinity });
      throw new Error(
        `${opts.message ?? 'waitFor timed out'} (after ${timeoutMs} ms; last value: ${described})`,
        {
          cause: last,
        },
      );
    }
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
}
