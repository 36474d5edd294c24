import type { Logger } from '@weft/contracts';

/**
 * What a process has started, in start order; `closeAll` stops it in reverse (STYLE 15). A close
 * that fails is logged and the rest still close. Idempotent.
 */
export class ResourceStack {
  readonly #logger: Logger;
  readonly #stack: { readonly name: string; readonly close: () => Promise<unknown> }[] = [];
  #closing: Promise<boolean> | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Register something started; it is closed before everything registered earlier. */
  push(name: string, close: () => Promise<unknown>): void {
    if (this.#closing) throw new Error(`cannot add ${name}: the process is stopping`);
    this.#stack.push({ name, close });
  }

  /** Open a resource and register its `close()` in one go. */
  async open<T extends { close(): Promise<unknown> }>(name: string, open: () => Promise<T>): Promise<T> {
    const resource = await open();
    this.push(name, () => resource.close());
    return resource;
  }

  /** Close everything, newest first; resolves to whether every close succeeded. */
  closeAll(): Promise<boolean> {
    this.#closing ??= (async () => {
      let clean = true;
      while (this.#stack.length > 0) {
        const { name, close } = this.#stack.pop()!;
        try {
          await close();
          this.#logger.debug({ component: name }, 'stopped');
        } catch (e) {
          clean = false;
          this.#logger.error({ err: e, component: name }, 'error while stopping');
        }
      }
      return clean;
    })();
    return this.#closing;
  }
}
