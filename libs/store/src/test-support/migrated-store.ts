import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { migrateToLatest } from '../migrations/migrate';
import type { Store } from '../store';

export type TestStore = Store & { dispose?: () => Promise<void> };

/**
 * For the enclosing `describe`: a store opened and migrated once, emptied of `tables` before each
 * test, and closed (or disposed, for a schema of its own) after them all. Returns a getter: the
 * store exists only once `beforeAll` has run.
 */
export function useMigratedStore(open: () => Promise<TestStore>, tables: readonly string[]): () => TestStore {
  let store: TestStore | undefined;
  beforeAll(async () => {
    store = await open();
    await migrateToLatest(store.db);
  });
  afterAll(async () => {
    if (store) await (store.dispose ?? store.close)();
  });
  beforeEach(async () => {
    for (const table of tables) await sql`truncate ${sql.table(table)}`.execute(store!.db);
  });
  return () => store!;
}
