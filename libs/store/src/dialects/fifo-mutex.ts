/**
 * An async mutex that hands the lock to waiters strictly in arrival order: `unlock()` passes
 * ownership directly to the next waiter, so a newcomer can never barge ahead of the queue.
 */
export class FifoMutex {
  #locked = false;
  readonly #waiters: (() => void)[] = [];

  get locked(): boolean {
    return this.#locked;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  async lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  unlock(): void {
    if (!this.#locked) throw new Error('FifoMutex.unlock() called while not locked');
    const next = this.#waiters.shift();
    if (next === undefined) this.#locked = false;
    else next();
  }
}
