import { Kysely, type PGlite as KyselyPGlite, type PGliteQueryOptions } from 'kysely';
import type { Database } from '../schema/database';
import { SerializedPGliteDialect } from './serialized-pglite-dialect';
import { TYPE_PARSERS } from './type-parsers';

/**
 * A function that runs next to the database: `(db, args) => result`, several statements and the
 * logic between them. A store whose database lives on another thread (PGlite on its worker) runs
 * it on that thread, so its statements cost no round trip between threads and its work (building
 * statements, folding rows) leaves the calling thread; any other store runs it where it is called.
 * Either way it sees the same `Kysely<Database>` and the same values.
 *
 * Declare one as an export of its module, under its own name, with `import.meta.url`:
 *
 * ```ts
 * export const countRuns = databaseFunction(import.meta.url, 'countRuns', async (db, args: {}) => …);
 * ```
 *
 * so that the worker can import the module (with tsx) and find it. Arguments and result cross
 * threads by structured clone: plain data only.
 */
export interface DatabaseFunction<A, R> {
  /** The URL of the module that exports it. */
  readonly module: string;
  /** The name it is exported under. */
  readonly name: string;
  /** Run it on this database handle. */
  run(db: Kysely<Database>, args: A): Promise<R>;
  /**
   * Run it on the raw PGlite of the worker thread: on a Kysely handle of its own, one per PGlite,
   * whose values are parsed as every other store's are (the worker's PGlite hands some types over
   * as text, for the calling thread to parse).
   */
  runOnPGlite(pglite: KyselyPGlite, args: A): Promise<R>;
}

/** Runs a {@link DatabaseFunction} where the store's database is (see `Store.call`). */
export type DatabaseCall = <A, R>(fn: DatabaseFunction<A, R>, args: A) => Promise<R>;

/** Runs database functions on `db`, where they are called (every store but the worker's). */
export const callOn =
  (db: Kysely<Database>): DatabaseCall =>
  (fn, args) =>
    fn.run(db, args);

const handles = new WeakMap<KyselyPGlite, Kysely<Database>>();

export function databaseFunction<A, R>(
  module: string,
  name: string,
  run: (db: Kysely<Database>, args: A) => Promise<R>,
): DatabaseFunction<A, R> {
  return {
    module,
    name,
    run,
    runOnPGlite(pglite, args) {
      let db = handles.get(pglite);
      if (db === undefined) {
        db = new Kysely<Database>({ dialect: new SerializedPGliteDialect({ pglite: parsing(pglite) }) });
        handles.set(pglite, db);
      }
      return run(db, args);
    },
  };
}

/** The calling thread's parsers for every statement (the worker's PGlite leaves them as text). */
function parsing(pglite: KyselyPGlite): KyselyPGlite {
  const options = (o?: PGliteQueryOptions): PGliteQueryOptions => ({
    ...o,
    parsers: { ...o?.parsers, ...TYPE_PARSERS },
  });
  return {
    get closed() {
      return pglite.closed;
    },
    get ready() {
      return pglite.ready;
    },
    waitReady: pglite.waitReady,
    // The worker owns its PGlite: a handle made for calls never closes it.
    close: async () => {},
    query: (sql, params, o) => pglite.query(sql, params, options(o)),
    transaction: (callback) =>
      pglite.transaction((tx) =>
        callback({
          query: (sql, params, o) => tx.query(sql, params, options(o)),
          rollback: () => tx.rollback(),
        }),
      ),
  };
}
