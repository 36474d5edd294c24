/**
 * A loop that runs `step` while `pending()` says there is work, one step at a time, started by
 * `kick()` when idle. It ends in the same synchronous step that finds no work, so a caller
 * continuing after a step (and adding work) always finds it either running or startable: ending
 * when the loop's promise settles instead would leave that work waiting for a kick that never comes.
 */
export class WorkLoop {
  #running = false;
  #done: Promise<void> = Promise.resolve();

  constructor(
    private readonly pending: () => boolean,
    private readonly step: () => Promise<void>,
  ) {}

  kick(): void {
    if (this.#running) return;
    this.#running = true;
    this.#done = this.#run();
  }

  /** Resolves once the loop has run out of work. */
  async idle(): Promise<void> {
    while (this.#running) await this.#done;
  }

  async #run(): Promise<void> {
    for (;;) {
      if (!this.pending()) {
        this.#running = false;
        return;
      }
      await this.step();
    }
  }
}
