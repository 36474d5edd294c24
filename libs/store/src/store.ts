import type { Kysely } from 'kysely';
import type { Database } from './schema/database';

/** An open database: the Kysely handle plus an idempotent `close()` (STYLE 15). */
export interface Store {
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}
