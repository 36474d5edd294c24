import { Kysely, type PGlite as KyselyPGlite } from 'kysely';
import type { Database } from '../schema/database';
import { routeQueries } from './route-queries.mjs';
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
 *
 * A function that commits a transaction awaits `ctx.commitAllowed()` just before it commits: the
 * caller may hold the commit back (`CallOptions.commitAfter`) while the work itself goes ahead.
 */
export interface DatabaseFunction<A, R> {
  /** The URL of the module that exports it. */
  readonly module: string;
  /** The name it is exported under. */
  readonly name: string;
  /** Run it on this database handle. */
  run(db: Kysely<Database>, args: A, ctx?: DatabaseCallContext): Promise<R>;
  /**
   * Run it on the raw PGlite of the worker thread: on a Kysely handle of its own, one per PGlite,
   * whose values are parsed as every other store's are (the worker's PGlite hands some types over
   * as text, for the calling thread to parse).
   */
  runOnPGlite(pglite: KyselyPGlite, args: A, ctx?: DatabaseCallContext): Promise<R>;
}

/** What a database function is told by its caller while it runs. */
export interface DatabaseCallContext {
  /**
   * Resolves when the caller lets the function's work be committed; rejects (with the caller's
   * reason) when it must not be, and the function rolls back by letting the rejection through.
   */
  commitAllowed(): Promise<void>;
}

export interface CallOptions {
  /**
   * The function's commit waits for this: its statements run at once, and what they wrote
   * becomes visible only once this resolves (or is rolled back if it rejects). Meanwhile the
   * open transaction holds the database (PGlite runs one at a time), so keep the wait short.
   */
  readonly commitAfter?: Promise<void>;
}

/** Runs a {@link DatabaseFunction} where the store's database is (see `Store.call`). */
export type DatabaseCall = <A, R>(fn: DatabaseFunction<A, R>, args: A, options?: CallOptions) => Promise<R>;

/** The context of a call whose commit waits for `commitAfter` (if any). */
export function callContext(commitAfter: Promise<void> | undefined): DatabaseCallContext {
  // A rejection nobody asked for yet (the function failed before its commit) is not unhandled.
  commitAfter?.catch(() => {});
  return { commitAllowed: () => commitAfter ?? Promise.resolve() };
}

/** Runs database functions on `db`, where they are called (every store but the worker's). */
export const callOn =
  (db: Kysely<Database>): DatabaseCall =>
  (fn, args, options) =>
    fn.run(db, args, callContext(options?.commitAfter));

const handles = new WeakMap<KyselyPGlite, Kysely<Database>>();

export function databaseFunction<A, R>(
  module: string,
  name: string,
  run: (db: Kysely<Database>, args: A, ctx: DatabaseCallContext) => Promise<R>,
): DatabaseFunction<A, R> {
  return {
    module,
    name,
    run: (db, args, ctx = callContext(undefined)) => run(db, args, ctx),
    runOnPGlite(pglite, args, ctx = callContext(undefined)) {
      let db = handles.get(pglite);
      if (db === undefined) {
        db = new Kysely<Database>({ dialect: new SerializedPGliteDialect({ pglite: parsing(pglite) }) });
        handles.set(pglite, db);
      }
      return run(db, args, ctx);
    },
  };
}

/**
 * The calling thread's parsers for every statement (the worker's PGlite leaves them as text). The
 * worker owns its PGlite: a handle made for calls never closes it.
 */
function parsing(pglite: KyselyPGlite): KyselyPGlite {
  return routeQueries(pglite, (target, sql, params, o) =>
    target.query(sql, params, { ...o, parsers: { ...o?.parsers, ...TYPE_PARSERS } }),
  );
}
