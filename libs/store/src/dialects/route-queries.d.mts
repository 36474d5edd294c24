/** Types of `route-queries.mjs` (plain JavaScript, so the PGlite worker loads it as it is). */
import type { PGlite as KyselyPGlite, PGliteQueryOptions } from 'kysely';

/** A PGlite, or one of its transactions. */
export interface QueryTarget {
  query(sql: string, params?: unknown[], options?: PGliteQueryOptions): Promise<unknown>;
}

export type QueryRoute = (
  target: QueryTarget,
  sql: string,
  params: unknown[] | undefined,
  options: PGliteQueryOptions | undefined,
  inTransaction: boolean,
) => Promise<unknown>;

/** A handle on `pglite` whose every statement goes through `route` (see the module's comment). */
export function routeQueries(pglite: KyselyPGlite, route: QueryRoute): KyselyPGlite;
