import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../migrations/migrate';
import { getAgent, insertAgent } from '../repositories/agents.repository';
import type { Store } from '../store';
import { openPgliteStore } from './pglite-store';

/** Let every other pending task run (several macrotask turns), without a timed sleep. */
async function letOthersRun(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe.each([
  ['on the calling thread', false],
  ['on a worker thread', true],
])('SerializedPGliteDialect, PGlite %s', (_where, worker) => {
  let store: Store;
  const names = async () =>
    (await store.db.selectFrom('agents').select('name').orderBy('name').execute()).map((r) => r.name);

  beforeAll(async () => {
    store = await openPgliteStore({ worker });
    await migrateToLatest(store.db);
  });
  afterAll(async () => {
    await store.close();
  });
  beforeEach(async () => {
    await sql`truncate agents`.execute(store.db);
  });

  it('runs concurrent transactions one after the other and queues plain queries behind them', async () => {
    const log: string[] = [];
    const aInserted = deferred();
    const txA = store.db.transaction().execute(async (trx) => {
      await insertAgent(trx, { name: 'a', url: 'http://a' });
      log.push('a:inserted');
      aInserted.resolve();
      await letOthersRun(); // B and the plain insert are issued meanwhile; they must wait.
      const seen = (await trx.selectFrom('agents').select('name').orderBy('name').execute()).map(
        (r) => r.name,
      );
      log.push(`a:sees ${seen.join(',')}`);
      return seen;
    });
    await aInserted.promise;
    const txB = store.db.transaction().execute(async (trx) => {
      await insertAgent(trx, { name: 'b', url: 'http://b' });
      log.push('b:inserted');
      await letOthersRun();
      const seen = (await trx.selectFrom('agents').select('name').orderBy('name').execute()).map(
        (r) => r.name,
      );
      log.push(`b:sees ${seen.join(',')}`);
      return seen;
    });
    const plain = insertAgent(store.db, { name: 'c', url: 'http://c' }).then((r) => {
      log.push('c:inserted');
      return r;
    });

    const [seenByA, seenByB, plainResult] = await Promise.all([txA, txB, plain]);
    expect(seenByA).toEqual(['a']);
    expect(seenByB).toEqual(['a', 'b']);
    expect(plainResult.ok).toBe(true);
    // FIFO: A's transaction, then B's (asked first), then the plain insert.
    expect(log).toEqual(['a:inserted', 'a:sees a', 'b:inserted', 'b:sees a,b', 'c:inserted']);
    expect(await names()).toEqual(['a', 'b', 'c']);
  });

  it('does not let a plain query issued during a transaction be rolled back with it', async () => {
    const started = deferred();
    const doomed = store.db.transaction().execute(async (trx) => {
      await insertAgent(trx, { name: 'doomed', url: 'http://x' });
      started.resolve();
      await letOthersRun();
      throw new Error('roll back');
    });
    await started.promise;
    const survivor = insertAgent(store.db, { name: 'survivor', url: 'http://y' });
    const reader = getAgent(store.db, 'doomed');

    await expect(doomed).rejects.toThrow('roll back');
    expect((await survivor).ok).toBe(true);
    expect(await reader).toBeUndefined(); // never saw the uncommitted row
    expect(await names()).toEqual(['survivor']);
  });

  it('keeps many concurrent transactions and queries consistent', async () => {
    const work = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? store.db.transaction().execute(async (trx) => {
            await insertAgent(trx, { name: `t${i}`, url: 'http://t' });
            await letOthersRun(1);
            const mine = await getAgent(trx, `t${i}`);
            const count = await trx
              .selectFrom('agents')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow();
            await trx.deleteFrom('agents').where('name', '=', `t${i}`).execute();
            await insertAgent(trx, { name: `t${i}-final`, url: 'http://t' });
            return { mine: mine?.name, count: count.n };
          })
        : insertAgent(store.db, { name: `p${i}`, url: 'http://p' }).then(() => ({ mine: `p${i}`, count: 0 })),
    );
    const results = await Promise.all(work);
    for (const [i, r] of results.entries()) expect(r.mine).toBe(i % 2 === 0 ? `t${i}` : `p${i}`);
    const all = await names();
    expect(all).toHaveLength(20);
    expect(all.filter((n) => n.startsWith('t')).every((n) => n.endsWith('-final'))).toBe(true);
  });
});
