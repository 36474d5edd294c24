/** Types of `prepared-statements.mjs` (plain JavaScript, so the PGlite worker loads it as it is). */

/** A PGlite, or one of its transactions. */
export interface Queryable {
  query(sql: string, params?: unknown[], options?: unknown): Promise<unknown>;
}

export interface StatementCache {
  /** Run `sql` on `target`, prepared once it has been seen before (see the module's comment). */
  query<T = unknown>(
    target: Queryable,
    sql: string,
    params: unknown[] | undefined,
    options: unknown,
    inTransaction: boolean,
  ): Promise<T>;
}

export function statementCache(): StatementCache;
