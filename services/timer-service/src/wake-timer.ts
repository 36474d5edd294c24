/**
 * One pending wake-up at a time (an unref'd `setTimeout`, so it never keeps the process alive).
 * Asking for an earlier time replaces the pending wake-up; asking for a later one changes nothing.
 */
export class WakeTimer {
  readonly #now: () => Date;
  readonly #onWake: () => void;
  #handle: NodeJS.Timeout | undefined;
  #at = Infinity;

  constructor(now: () => Date, onWake: () => void) {
    this.#now = now;
    this.#onWake = onWake;
  }

  /** Wake at `at` (epoch ms on the injected clock), unless a wake-up at or before it is pending. */
  at(at: number): void {
    if (this.#handle !== undefined && this.#at <= at) return;
    this.cancel();
    this.#at = at;
    this.#handle = setTimeout(
      () => {
        this.#handle = undefined;
        this.#at = Infinity;
        this.#onWake();
      },
      Math.max(0, at - this.#now().getTime()),
    );
    this.#handle.unref();
  }

  cancel(): void {
    if (this.#handle !== undefined) clearTimeout(this.#handle);
    this.#handle = undefined;
    this.#at = Infinity;
  }
}
