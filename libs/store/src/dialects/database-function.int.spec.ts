import { beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../migrations/migrate';
import { getAgent, insertAgent } from '../repositories/agents.repository';
import { isUniqueViolation } from '../repositories/unique-violation';
import type { Store } from '../store';
import { useMigratedStore } from '../test-support/migrated-store';
import { openTestSchemaStore } from '../test-support/postgres-test-schema';
import {
  addAgent,
  addAgentThenFail,
  addAgentTwice,
  addAgentWhenAllowed,
  misnamed,
} from './database-function.fixture';
import { openPgliteStore } from './pglite-store';

describe.each([
  ['PGlite on a worker thread', () => openPgliteStore({ worker: true }), false],
  ['PGlite on the calling thread', () => openPgliteStore(), true],
  ['Postgres', () => openTestSchemaStore('weft_dbfn'), true],
] as const)('Store.call, %s', (_name, open, here) => {
  const opened = useMigratedStore(open, ['agents']);
  let store: Store;
  beforeEach(() => {
    store = opened();
  });

  it(`runs the function ${here ? 'on the calling thread' : 'on the worker'}, with values as the store reads them`, async () => {
    await insertAgent(store.db, { name: 'first', url: 'http://first' });
    const result = await store.call(addAgent, { name: 'second' });
    expect(result.onMainThread).toBe(here);
    expect(result.count).toBe(2);
    // Timestamps, JSON and counts come back exactly as a read through `store.db` gives them.
    expect(result.agent).toEqual(await getAgent(store.db, 'second'));
    expect(typeof result.agent?.created_at).toBe('string');
  });

  it('passes on a database error with its code, and the statements before it stay undone', async () => {
    const failed = await store.call(addAgentTwice, { name: 'twice' }).catch((e: unknown) => e);
    expect(isUniqueViolation(failed)).toBe(true);
    // Run outside a transaction, the first insert stands: as it would on `store.db`.
    expect(await getAgent(store.db, 'twice')).toBeDefined();
  });

  it('rolls back what its transaction did when it throws, and statements from elsewhere wait for it', async () => {
    const calling = store.call(addAgentThenFail, { name: 'undone', ms: 200 }).catch((e: unknown) => e);
    // Issued while the function's transaction is open: on PGlite's single session it must not run
    // inside that transaction (it would be rolled back with it).
    await new Promise((resolve) => setTimeout(resolve, 50));
    await insertAgent(store.db, { name: 'kept', url: 'http://kept' });
    expect(await calling).toEqual(expect.objectContaining({ message: 'changed my mind' }));
    expect(await getAgent(store.db, 'kept')).toBeDefined();
    expect(await getAgent(store.db, 'undone')).toBeUndefined();
  });

  it('commits only once the caller allows it, and what it wrote is not seen before', async () => {
    let allow!: () => void;
    const commitAfter = new Promise<void>((resolve) => (allow = resolve));
    let allowed = false;
    let done = false;
    const calling = store.call(addAgentWhenAllowed, { name: 'held' }, { commitAfter }).finally(() => {
      done = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // A read meanwhile either sees no row (Postgres, another session) or waits for the commit
    // (PGlite, one session): either way nothing uncommitted is seen.
    const reading = getAgent(store.db, 'held').then((row) => ({ row, allowed }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    allowed = true;
    allow();
    await expect(calling).resolves.toBe('committed');
    const read = await reading;
    expect(read.row === undefined || read.allowed).toBe(true);
    expect(await getAgent(store.db, 'held')).toBeDefined();
  });

  it('rolls back when the caller refuses the commit, and says why', async () => {
    const refused = Promise.reject(new Error('the records were lost'));
    await expect(
      store.call(addAgentWhenAllowed, { name: 'refused' }, { commitAfter: refused }),
    ).rejects.toThrow(/the records were lost/);
    expect(await getAgent(store.db, 'refused')).toBeUndefined();
    // The database goes on.
    await expect(store.call(addAgent, { name: 'after' })).resolves.toMatchObject({ count: 1 });
  });
});

describe('Store.call on a worker store', () => {
  it('refuses a function its module does not export under its name, and goes on', async () => {
    const store = await openPgliteStore({ worker: true });
    try {
      await migrateToLatest(store.db);
      await expect(store.call(misnamed, undefined)).rejects.toThrow(
        /exports no database function noSuchExport/,
      );
      await expect(store.call(addAgent, { name: 'after' })).resolves.toMatchObject({ count: 1 });
    } finally {
      await store.close();
    }
  });
});
