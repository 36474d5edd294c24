import { Worker } from 'node:worker_threads';
import type { PGlite as KyselyPGlite, PGliteQueryResults, PGliteTransaction } from 'kysely';
import type { CallOptions, DatabaseFunction } from './database-function';
import { TYPE_PARSERS } from './type-parsers';

interface Answer {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: Record<string, unknown> & { message: string };
}

type QueryAnswer = PGliteQueryResults<Record<string, unknown>>;

/** An error from the worker, rebuilt with its properties (`code`, `detail`, …) as PGlite set them. */
function rebuild(error: Answer['error']): Error {
  const e = new Error(error?.message ?? 'PGlite worker error');
  Object.assign(e, error);
  return e;
}

/**
 * PGlite running on a worker thread, behind the interface Kysely's PGlite driver uses. Postgres in
 * WASM runs synchronously on whichever thread holds it: on the main thread every statement stops
 * everything else the process does (the event log, agent calls, the API) for as long as it runs.
 * On a worker, statements run beside that work, on another core, and the main thread only waits
 * for the answer. Durability is PGlite's own, unchanged.
 *
 * Values of the types in `TYPE_PARSERS` cross as text and are parsed here, as PGlite would.
 */
export class WorkerPGlite implements KyselyPGlite {
  closed = false;
  ready = false;
  readonly waitReady: Promise<void>;
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  #nextId = 1;
  #exited: Error | undefined;

  private constructor(dataDir: string | undefined) {
    this.#worker = new Worker(new URL('./pglite-worker.mjs', import.meta.url), {
      workerData: { rawTypes: Object.keys(TYPE_PARSERS).map(Number) },
    });
    this.#worker.on('message', (answer: Answer) => {
      const waiting = this.#pending.get(answer.id);
      if (!waiting) return;
      this.#pending.delete(answer.id);
      if (answer.ok) waiting.resolve(answer.result);
      else waiting.reject(rebuild(answer.error));
    });
    const fail = (e: Error) => {
      this.#exited = e;
      this.closed = true;
      for (const waiting of this.#pending.values()) waiting.reject(e);
      this.#pending.clear();
    };
    this.#worker.on('error', (e) => fail(new Error('PGlite worker failed', { cause: e })));
    this.#worker.on('exit', (code) => fail(new Error(`PGlite worker exited (code ${code})`)));
    this.waitReady = this.#call('open', { dataDir }).then(() => {
      this.ready = true;
    });
  }

  /** Start the worker and open the database (`dataDir` undefined: in memory). */
  static async create(dataDir?: string): Promise<WorkerPGlite> {
    const db = new WorkerPGlite(dataDir);
    await db.waitReady;
    return db;
  }

  async query<T>(sql: string, params?: unknown[]): Promise<PGliteQueryResults<T>> {
    return this.#query(undefined, sql, params) as Promise<PGliteQueryResults<T>>;
  }

  async transaction<T>(callback: (tx: PGliteTransaction) => Promise<T>): Promise<T> {
    const id = (await this.#call('begin', {})) as number;
    let result: T;
    try {
      result = await callback({
        query: <R>(sql: string, params?: unknown[]) =>
          this.#query(id, sql, params) as Promise<PGliteQueryResults<R>>,
        rollback: () => this.#call('rollback', { tx: id }).then(() => {}),
      });
    } catch (e) {
      await this.#call('rollback', { tx: id }).catch(() => {});
      throw e;
    }
    await this.#call('commit', { tx: id });
    return result;
  }

  /**
   * Run a database function on the worker, next to the database (see `DatabaseFunction`). With
   * `commitAfter`, the worker is told when it settles (a message of its own, not answered), and
   * the function's `commitAllowed()` there settles the same way.
   */
  async call<A, R>(fn: DatabaseFunction<A, R>, args: A, options?: CallOptions): Promise<R> {
    const id = this.#nextId++;
    const gate = options?.commitAfter;
    const answer = this.#call(
      'call',
      { module: fn.module, name: fn.name, args, gated: gate !== undefined },
      id,
    );
    gate?.then(
      () => this.#allow(id, undefined),
      (e: unknown) => this.#allow(id, e instanceof Error ? e.message : String(e)),
    );
    return (await answer) as R;
  }

  /** Let a gated call commit (`refused` undefined) or make it roll back, saying why. */
  #allow(call: number, refused: string | undefined): void {
    if (this.#exited || !this.#pending.has(call)) return;
    this.#worker.postMessage({ op: 'allow', call, ...(refused === undefined ? {} : { refused }) });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.#call('close', {});
    } finally {
      this.closed = true;
      await this.#worker.terminate();
    }
  }

  async #query(tx: number | undefined, sql: string, params: unknown[] | undefined): Promise<QueryAnswer> {
    const answer = (await this.#call('query', { tx, sql, params })) as QueryAnswer;
    for (const field of answer.fields) {
      const parse = TYPE_PARSERS[field.dataTypeID];
      if (!parse) continue;
      for (const row of answer.rows) {
        const text = row[field.name];
        if (typeof text === 'string') row[field.name] = parse(text);
      }
    }
    return answer;
  }

  #call(op: string, body: Record<string, unknown>, id = this.#nextId++): Promise<unknown> {
    if (this.#exited) return Promise.reject(this.#exited);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, op, ...body });
    });
  }
}
