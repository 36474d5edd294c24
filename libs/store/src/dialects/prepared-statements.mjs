// @ts-check
/**
 * Prepared statements for PGlite (used by `pglite-worker.mjs`). PGlite parses and plans every
 * statement it is sent, and for the small statements of the engine that is most of their cost (a
 * one-row insert: 170–250 µs sent plain, 70–100 µs as `EXECUTE` of a prepared statement). So a
 * statement seen twice is prepared once (`PREPARE weft_stmt_<n> AS <sql>`, its parameter types
 * inferred exactly as for the plain statement) and from then on sent as `EXECUTE` with its values
 * as literals, which the server reads with the same input functions as bound text values.
 *
 * Only DML and queries are prepared, and only with values that have a plain text form (strings,
 * numbers, booleans, bigints, null); anything else, and any statement while its own `PREPARE` is
 * under way, is sent plain. Prepared statements belong to the session and outlive a rollback; the
 * server plans them again when a table they use changes.
 */

/** At most this many statements are prepared; later ones are sent plain. */
const MAX_PREPARED = 500;
/** Statements seen once are remembered up to this many, then forgotten all at once. */
const MAX_SEEN = 5_000;

/** Names are unique in the process, so caches that share a session never collide. */
let nextName = 1;

const PREPARABLE = /^\s*(select|insert|update|delete|with|values)\b/i;

/** @param {unknown} value */
function literal(value) {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean') return value ? "'t'" : "'f'";
  return `'${String(value).replace(/'/g, "''")}'`;
}

/** @param {readonly unknown[]} params */
function plainValues(params) {
  return params.every(
    (p) =>
      p === null ||
      p === undefined ||
      typeof p === 'string' ||
      typeof p === 'number' ||
      typeof p === 'boolean' ||
      typeof p === 'bigint',
  );
}

/**
 * @typedef {{ query: (sql: string, params?: unknown[], options?: any) => Promise<any> }} Queryable
 */

export function statementCache() {
  /** SQL → its prepared name, `false` while its PREPARE runs, `null` if it cannot be prepared. */
  /** @type {Map<string, string | false | null>} */
  const prepared = new Map();
  /** @type {Set<string>} */
  const seen = new Set();

  /**
   * Run `sql` on `target` (a PGlite or one of its transactions), prepared when worth it.
   * @param {Queryable} target
   * @param {string} sql
   * @param {unknown[] | undefined} params
   * @param {any} options
   * @param {boolean} inTransaction
   */
  async function query(target, sql, params, options, inTransaction) {
    const values = params ?? [];
    if (!plainValues(values)) return target.query(sql, params, options);
    let name = prepared.get(sql);
    if (name === undefined) {
      if (!PREPARABLE.test(sql) || prepared.size >= MAX_PREPARED) return target.query(sql, params, options);
      if (!seen.has(sql)) {
        if (seen.size >= MAX_SEEN) seen.clear();
        seen.add(sql);
        return target.query(sql, params, options);
      }
      seen.delete(sql);
      name = `weft_stmt_${nextName++}`;
      prepared.set(sql, false);
      try {
        await target.query(`prepare ${name} as ${sql}`);
        prepared.set(sql, name);
      } catch (e) {
        prepared.set(sql, null);
        // In a transaction the failure has aborted it: the statement would have failed the same
        // way (its parameters are inferred alike), so that is the error to report.
        if (inTransaction) throw e;
        return target.query(sql, params, options);
      }
    }
    if (!name) return target.query(sql, params, options);
    const args = values.length > 0 ? `(${values.map(literal).join(', ')})` : '';
    return target.query(`execute ${name}${args}`, undefined, options);
  }

  return { query };
}
