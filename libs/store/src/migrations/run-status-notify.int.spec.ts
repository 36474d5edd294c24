import { randomUUID } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@weft/testing';
import { SerializedPGliteDialect } from '../dialects/serialized-pglite-dialect';
import { RUN_STATUS_CHANNEL } from '../schema/run-status-channel';
import {
  openTestSchemaStore,
  TEST_DATABASE_URL,
  type TestSchemaStore,
} from '../test-support/postgres-test-schema';
import { migrateToLatest } from './migrate';

/**
 * Migrations 0008's triggers and 0009's payload, on both databases: which writes to `workflow_runs` announce the run on
 * RUN_STATUS_CHANNEL, and with which payload.
 */
interface Listening {
  readonly db: Kysely<unknown>;
  readonly payloads: string[];
  close(): Promise<void>;
}

async function onPglite(): Promise<Listening> {
  const pglite = await PGlite.create();
  const db = new Kysely<unknown>({ dialect: new SerializedPGliteDialect({ pglite }) });
  await migrateToLatest(db);
  const payloads: string[] = [];
  const unlisten = await pglite.listen(RUN_STATUS_CHANNEL, (payload) => payloads.push(payload));
  return {
    db,
    payloads,
    async close() {
      await unlisten();
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}

async function onPostgres(): Promise<Listening> {
  const store: TestSchemaStore = await openTestSchemaStore('weft_notify_test');
  const db = store.db as unknown as Kysely<unknown>;
  await migrateToLatest(db);
  const payloads: string[] = [];
  const listener = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await listener.connect();
  listener.on('notification', (n) => {
    if (n.channel === RUN_STATUS_CHANNEL && n.payload !== undefined) payloads.push(n.payload);
  });
  await listener.query(`listen ${RUN_STATUS_CHANNEL}`);
  return {
    db,
    payloads,
    async close() {
      await listener.end();
      await store.dispose();
    },
  };
}

const insertRun = (runId: string, status: string, lastSeq: number) => sql`
  insert into workflow_runs (run_id, workflow_id, version, status, input, last_seq)
  values (${runId}, 'wf', 1, ${status}, '{}'::jsonb, ${lastSeq})`;

function notifySuite(name: string, open: () => Promise<Listening>) {
  describe(`run status notifications on ${name}`, () => {
    let l: Listening;
    beforeAll(async () => {
      l = await open();
    });
    afterAll(async () => {
      await l?.close();
    });

    /** The payloads of `runId` once `marker` (another run, inserted after) has been announced. */
    async function announced(runId: string): Promise<string[]> {
      const marker = randomUUID();
      await insertRun(marker, 'RUNNING', 1).execute(l.db);
      await waitFor(() => l.payloads.includes(`${marker} 1 RUNNING`), { timeoutMs: 5_000 });
      return l.payloads.filter((p) => p.startsWith(`${runId} `));
    }

    it('announces an insert, also of a run already ended', async () => {
      const running = randomUUID();
      const ended = randomUUID();
      await insertRun(running, 'RUNNING', 1).execute(l.db);
      await insertRun(ended, 'COMPLETED', 3).execute(l.db);
      expect(await announced(running)).toEqual([`${running} 1 RUNNING`]);
      expect(await announced(ended)).toEqual([`${ended} 3 COMPLETED`]);
    });

    it('announces a status change, not an update that keeps the status', async () => {
      const runId = randomUUID();
      await insertRun(runId, 'RUNNING', 1).execute(l.db);
      await sql`update workflow_runs set last_seq = 2 where run_id = ${runId}`.execute(l.db);
      await sql`update workflow_runs set status = 'RUNNING', last_seq = 3 where run_id = ${runId}`.execute(
        l.db,
      );
      await sql`update workflow_runs set status = 'COMPLETED', last_seq = 4 where run_id = ${runId}`.execute(
        l.db,
      );
      expect(await announced(runId)).toEqual([`${runId} 1 RUNNING`, `${runId} 4 COMPLETED`]);
    });

    it('announces each row of multi-row statements', async () => {
      const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
      await insertRun(a, 'RUNNING', 1).execute(l.db);
      await insertRun(b, 'RUNNING', 1).execute(l.db);
      // Upsert: a and b exist (a changes status, b keeps it), c is new and already ended.
      await sql`
        insert into workflow_runs (run_id, workflow_id, version, status, input, last_seq)
        values (${a}::uuid, 'wf', 1, 'FAILED', '{}'::jsonb, 5),
               (${b}::uuid, 'wf', 1, 'RUNNING', '{}'::jsonb, 6),
               (${c}::uuid, 'wf', 1, 'COMPLETED', '{}'::jsonb, 7)
        on conflict (run_id) do update set status = excluded.status, last_seq = excluded.last_seq`.execute(
        l.db,
      );
      // Update from values: a keeps its status, b ends.
      await sql`
        update workflow_runs r set status = v.status, last_seq = v.last_seq
        from (values (${a}::uuid, 'FAILED', 8), (${b}::uuid, 'CANCELLED', 9)) as v(run_id, status, last_seq)
        where r.run_id = v.run_id`.execute(l.db);
      expect(await announced(a)).toEqual([`${a} 1 RUNNING`, `${a} 5 FAILED`]);
      expect(await announced(b)).toEqual([`${b} 1 RUNNING`, `${b} 9 CANCELLED`]);
      expect(await announced(c)).toEqual([`${c} 7 COMPLETED`]);
    });

    it('announces nothing of a transaction rolled back', async () => {
      const runId = randomUUID();
      await expect(
        l.db.transaction().execute(async (trx) => {
          await insertRun(runId, 'COMPLETED', 1).execute(trx);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await announced(runId)).toEqual([]);
    });
  });
}

notifySuite('PGlite (in memory)', onPglite);
notifySuite('Postgres (fresh schema)', onPostgres);
