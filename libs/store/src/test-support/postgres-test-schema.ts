import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPgStore } from '../dialects/pg-store';
import type { Store } from '../store';

/** The real Postgres the integration tests use (trust auth). */
export const TEST_DATABASE_URL =
  process.env['WEFT_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchemaStore extends Store {
  readonly schema: string;
  /** Close the store and drop its schema; idempotent. */
  dispose(): Promise<void>;
}

/** A store on a fresh, uniquely named schema of the test database (STYLE 17). */
export async function openTestSchemaStore(prefix = 'weft_store_test'): Promise<TestSchemaStore> {
  const schema = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const store = await openPgStore({ connectionString: TEST_DATABASE_URL, schema, max: 4 });
  let disposing: Promise<void> | undefined;
  return {
    ...store,
    schema,
    dispose: () =>
      (disposing ??= (async () => {
        await store.close();
        const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        try {
          await client.query(`drop schema if exists "${schema}" cascade`);
        } finally {
          await client.end();
        }
      })()),
  };
}
