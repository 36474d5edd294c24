import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { WeftError } from '@weft/contracts';
import type { Database } from '../schema/database';
import type { Store } from '../store';
import { closeOnce } from './close-once';
import { callOn } from './database-function';
import { TYPE_PARSERS } from './type-parsers';

export interface PgStoreOptions {
  readonly connectionString: string;
  /** Pool size (default 10). */
  readonly max?: number;
  /**
   * Schema to work in: created if missing, and made the `search_path` of every connection.
   * A plain lower-case identifier (`[a-z_][a-z0-9_]*`, up to 63 characters).
   */
  readonly schema?: string;
  /**
   * Called when an idle pooled connection fails (e.g. the server restarted). The pool drops that
   * connection by itself and the next query reports any outage, so the default ignores it.
   */
  readonly onIdleClientError?: (error: Error) => void;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Same parsers as PGlite; everything else is pg's default. Per pool, not global. */
const PG_TYPES: pg.CustomTypesConfig = {
  getTypeParser: (oid, format) => {
    const parser = TYPE_PARSERS[oid];
    return parser !== undefined && format !== 'binary' ? parser : pg.types.getTypeParser(oid, format);
  },
};

/** Open the production store: a `pg` pool behind Kysely's Postgres dialect. */
export async function openPgStore(opts: PgStoreOptions): Promise<Store> {
  const { schema } = opts;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new WeftError('VALIDATION_FAILED', `invalid schema name ${JSON.stringify(schema)}`, {
      details: [{ pointer: '/schema', message: 'must match [a-z_][a-z0-9_]* (at most 63 characters)' }],
    });
  }
  // Startup parameters apply to every connection the pool opens, before any query runs; pinning
  // DateStyle keeps timestamp text in the format `parseTimestampText` reads.
  const startup = ['-c DateStyle=ISO,MDY', ...(schema === undefined ? [] : [`-c search_path=${schema}`])];
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    types: PG_TYPES,
    options: startup.join(' '),
  });
  pool.on('error', opts.onIdleClientError ?? (() => undefined));
  try {
    if (schema !== undefined) await createSchema(pool, schema);
    else await pool.query('select 1');
  } catch (cause) {
    await pool.end();
    throw new WeftError(
      'UNAVAILABLE',
      `cannot open Postgres store: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause, retryable: true },
    );
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, call: callOn(db), close: closeOnce(() => db.destroy()) };
}

/**
 * `create schema if not exists` is not safe against itself: two processes creating the same new
 * schema at once can both pass the check, and the loser fails on the catalog's unique index
 * (23505). The schema then exists, which is all that was asked.
 */
async function createSchema(pool: { query(sql: string): Promise<unknown> }, schema: string): Promise<void> {
  try {
    await pool.query(`create schema if not exists "${schema}"`);
  } catch (e) {
    if ((e as { code?: string }).code !== '23505') throw e;
  }
}
