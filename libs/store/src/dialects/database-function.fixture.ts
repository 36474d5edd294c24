import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread } from 'node:worker_threads';
import { sql } from 'kysely';
import { getAgent, insertAgent } from '../repositories/agents.repository';
import { databaseFunction } from './database-function';

/** Database functions for `database-function.int.spec.ts` (the worker imports them from here). */

/** Registers an agent and reads it back, with a count (`int8`) and where it ran. */
export const addAgent = databaseFunction(import.meta.url, 'addAgent', async (db, args: { name: string }) => {
  await insertAgent(db, { name: args.name, url: `http://${args.name}` });
  const { rows } = await sql<{ n: number }>`select count(*) as n from agents`.execute(db);
  return { agent: await getAgent(db, args.name), count: rows[0]!.n, onMainThread: isMainThread };
});

/** Registers an agent in a transaction that waits `ms`, then rolls back by throwing. */
export const addAgentThenFail = databaseFunction(
  import.meta.url,
  'addAgentThenFail',
  async (db, args: { name: string; ms: number }) => {
    await db.transaction().execute(async (trx) => {
      await insertAgent(trx, { name: args.name, url: `http://${args.name}` });
      await sleep(args.ms);
      throw new Error('changed my mind');
    });
  },
);

/** Inserts the same agent twice without `on conflict`: a unique violation. */
export const addAgentTwice = databaseFunction(
  import.meta.url,
  'addAgentTwice',
  async (db, args: { name: string }) => {
    for (let i = 0; i < 2; i++)
      await db
        .insertInto('agents')
        .values({ name: args.name, url: `http://${args.name}` })
        .execute();
  },
);

/** Not exported under the name it declares: a worker cannot find it. */
export const misnamed = databaseFunction(import.meta.url, 'noSuchExport', async () => null);

/** Registers an agent in a transaction that commits only once its caller allows it (`commitAfter`). */
export const addAgentWhenAllowed = databaseFunction(
  import.meta.url,
  'addAgentWhenAllowed',
  async (db, args: { name: string }, ctx) =>
    db.transaction().execute(async (trx) => {
      await insertAgent(trx, { name: args.name, url: `http://${args.name}` });
      await ctx.commitAllowed();
      return 'committed';
    }),
);
