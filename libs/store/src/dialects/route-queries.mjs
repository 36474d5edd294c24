// @ts-check
/**
 * A PGlite handle whose every statement, plain or in a transaction, goes through `route`: how the
 * store adds its value parsers to a database function's statements (`database-function.ts`) and
 * how PGlite's worker prepares them (`pglite-worker.mjs`). Plain JavaScript, so the worker loads
 * it as it is. The handle never closes the PGlite it routes to: its owner does.
 *
 * @param {any} pglite
 * @param {(target: any, sql: string, params: unknown[] | undefined, options: any, inTransaction: boolean) => Promise<any>} route
 */
export function routeQueries(pglite, route) {
  return {
    get closed() {
      return pglite.closed;
    },
    get ready() {
      return pglite.ready;
    },
    waitReady: pglite.waitReady,
    close: async () => {},
    /** @param {string} sql @param {unknown[]} [params] @param {any} [options] */
    query: (sql, params, options) => route(pglite, sql, params, options, false),
    /** @param {(tx: any) => Promise<unknown>} callback */
    transaction: (callback) =>
      pglite.transaction((/** @type {any} */ tx) =>
        callback({
          /** @param {string} sql @param {unknown[]} [params] @param {any} [options] */
          query: (sql, params, options) => route(tx, sql, params, options, true),
          rollback: () => tx.rollback(),
        }),
      ),
  };
}
