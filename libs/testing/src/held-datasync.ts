import type { FileHandle } from 'node:fs/promises';

/**
 * A `datasync` for the file event log (`FileEventLogOptions.datasync`) that a spec can hold: while
 * held, each fsync waits until `release()`, so the spec sees what runs before records are durable
 * and what waits for them. `fail` makes every later fsync fail.
 */
export interface HeldDatasync {
  readonly datasync: (handle: FileHandle) => Promise<void>;
  /** How many fsyncs are waiting to be released. */
  readonly waiting: () => number;
  /** Hold the fsyncs that start from now on. */
  hold(): void;
  /** Let every waiting fsync go, and those that start from now on. */
  release(): void;
  /** Fail every fsync that starts from now on. */
  fail(error: Error): void;
}

export function heldDatasync(): HeldDatasync {
  let held = true;
  let failure: Error | undefined;
  const gates: (() => void)[] = [];
  return {
    datasync: (handle) => {
      if (failure) return Promise.reject(failure);
      if (!held) return handle.datasync();
      return new Promise<void>((resolve) => gates.push(() => void handle.datasync().then(resolve)));
    },
    waiting: () => gates.length,
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      while (gates.length > 0) gates.shift()!();
    },
    fail: (error) => {
      failure = error;
    },
  };
}
