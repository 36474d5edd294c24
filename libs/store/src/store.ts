import type { Kysely } from 'kysely';
import type { DatabaseCall } from './dialects/database-function';
import type { Database } from './schema/database';

/** An open database: the Kysely handle plus an idempotent `close()` (STYLE 15). */
export interface Store {
  readonly db: Kysely<Database>;
  /**
   * Run a database function where the database is: on PGlite's worker thread for a worker store,
   * on `db` here for any other.
   */
  readonly call: DatabaseCall;
  close(): Promise<void>;
}
