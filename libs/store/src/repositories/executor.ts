import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../schema/database';

/** What every repository function takes first: the database, or a transaction on it (STYLE 14). */
export type Executor = Kysely<Database> | Transaction<Database>;
