import { randomBytes, randomUUID } from 'node:crypto';
import { silentLogger, type Logger } from '@weft/contracts';
import { migrateToLatest, openPgStore, RUN_STATUS_CHANNEL, type Store } from '@weft/store';
import { waitFor } from '@weft/testing';
import { sql, type KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifiedRunWatch } from './run-watch';

/**
 * The distributed API's run watch on the real Postgres: woken by the status notices of migrations
 * 0008 and 0009, by its first read after a waiter registers, and by its safety poll; it listens
 * again after its connection is killed. Each test waits for the watch's first read of the run to
 * finish before writing, so a wake comes from the path under test.
 */
const DATABASE_URL = process.env['WEFT_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Nothing listens there: a watch that never hears a notice. */
const NOWHERE_URL = 'postgres://postgres@127.0.0.1:1/test';
const schema = `weft_run_watch_test_${process.pid}_${randomBytes(4).toString('hex')}`;
const applicationName = `weft-run-watch-test-${randomBytes(4).toString('hex')}`;
const LONG = 30_000; // longer than any wake should take, shorter than the test timeout

let store: Store;
/** Reads of `workflow_runs` the watches have finished. */
let reads = 0;
const counting: KyselyPlugin = {
  transformQuery: (args) => args.node,
  transformResult: async (args) => {
    reads += 1;
    return args.result;
  },
};
const debugPayloads: unknown[] = [];
const capturing: Logger = {
  ...silentLogger,
  debug: (obj) => void debugPayloads.push((obj as { payload?: unknown }).payload),
  child: () => capturing,
};

beforeAll(async () => {
  store = await openPgStore({ connectionString: DATABASE_URL, schema, max: 4 });
  await migrateToLatest(store.db);
});
afterAll(async () => {
  if (store !== undefined) {
    await sql.raw(`drop schema if exists "${schema}" cascade`).execute(store.db);
    await store.close();
  }
});

const insertRun = (runId: string, status: string, lastSeq: number) =>
  sql`insert into workflow_runs (run_id, workflow_id, version, status, input, last_seq)
      values (${runId}, 'wf', 1, ${status}, '{}'::jsonb, ${lastSeq})`.execute(store.db);

/** The pid of the watch's listening connection once it listens (other than `not`). */
async function listenerPid(not?: number): Promise<number> {
  return waitFor(
    async () => {
      const { rows } = await sql<{ pid: number }>`
        select pid from pg_stat_activity
        where application_name = ${applicationName} and query ilike 'listen %' and pid <> ${not ?? 0}`.execute(
        store.db,
      );
      return rows[0]?.pid;
    },
    { timeoutMs: 10_000 },
  );
}

/** Move a run's row to `status` at `lastSeq`, as the projection writer does. */
async function setStatus(runId: string, status: string, lastSeq: number) {
  await sql`update workflow_runs set status = ${status}, last_seq = ${lastSeq} where run_id = ${runId}`.execute(
    store.db,
  );
}

/**
 * Insert a run that ends at once and wait until the watch has heard its notice (a waiter on it,
 * registered and read before, is woken): notices come in commit order, so every notice of an
 * earlier commit has been heard too.
 */
async function announcedMarker(): Promise<void> {
  const marker = randomUUID();
  const { waiting } = await waitOn(watchForMarker!, marker, 0);
  await insertRun(marker, 'COMPLETED', 1);
  expect(await waiting).toBe('advanced');
}
let watchForMarker: ReturnType<typeof notifiedRunWatch> | undefined;

/**
 * Register a waiter and let the watch's first read of its run finish: the wait (in a box so it is
 * not awaited), and whether it has ended yet.
 */
async function waitOn(
  watch: ReturnType<typeof notifiedRunWatch>,
  runId: string,
  seenSeq: number,
  timeoutMs = LONG,
) {
  const before = reads;
  let settled = false;
  const waiting = watch.changed(runId, seenSeq, timeoutMs).then((w) => {
    settled = true;
    return w.why;
  });
  await waitFor(() => reads > before);
  return { waiting, woken: () => settled };
}

describe('notifiedRunWatch', () => {
  let watch: ReturnType<typeof notifiedRunWatch>;
  beforeAll(async () => {
    watch = notifiedRunWatch({
      db: store.db.withPlugin(counting),
      connectionString: DATABASE_URL,
      logger: capturing,
      safetyPollMs: 600_000, // out of the way: only notices and first reads wake
      applicationName,
    });
    watchForMarker = watch;
    await listenerPid();
  });
  afterAll(async () => {
    await watch?.close();
  });

  it('wakes a waiter when its run changes status', async () => {
    const runId = randomUUID();
    await insertRun(runId, 'RUNNING', 1);
    const { waiting } = await waitOn(watch, runId, 1);
    await setStatus(runId, 'COMPLETED', 2);
    expect(await waiting).toBe('advanced');
  });

  it('wakes a waiter when an upsert changes the status of its run', async () => {
    const runId = randomUUID();
    await insertRun(runId, 'RUNNING', 1);
    const { waiting } = await waitOn(watch, runId, 1);
    await sql`
      insert into workflow_runs (run_id, workflow_id, version, status, input, last_seq)
      values (${runId}, 'wf', 1, 'FAILED', '{}'::jsonb, 4), (${randomUUID()}, 'wf', 1, 'RUNNING', '{}'::jsonb, 1)
      on conflict (run_id) do update set status = excluded.status, last_seq = excluded.last_seq`.execute(
      store.db,
    );
    expect(await waiting).toBe('advanced');
  });

  it('wakes a waiter when its run is inserted already ended', async () => {
    const runId = randomUUID();
    const { waiting } = await waitOn(watch, runId, 0);
    await insertRun(runId, 'COMPLETED', 3);
    expect(await waiting).toBe('advanced');
  });

  it('does not wake a waiter when its run only progresses', async () => {
    const runId = randomUUID();
    await insertRun(runId, 'RUNNING', 1);
    const { waiting } = await waitOn(watch, runId, 1, 500);
    await sql`update workflow_runs set last_seq = 2 where run_id = ${runId}`.execute(store.db);
    await setStatus(runId, 'RUNNING', 3);
    expect(await waiting).toBe('timeout');
  });

  it('ignores malformed notices and wakes on a well-formed one', async () => {
    const runId = randomUUID();
    const { waiting } = await waitOn(watch, runId, 2);
    await sql`select pg_notify(${RUN_STATUS_CHANNEL}, ${`${runId} x`})`.execute(store.db);
    await sql`select pg_notify(${RUN_STATUS_CHANNEL}, 'garbage')`.execute(store.db);
    await sql`select pg_notify(${RUN_STATUS_CHANNEL}, ${`${runId} 2`})`.execute(store.db); // not past 2
    await sql`select pg_notify(${RUN_STATUS_CHANNEL}, ${`${runId} 3`})`.execute(store.db);
    expect(await waiting).toBe('advanced');
    expect(debugPayloads).toEqual(expect.arrayContaining([`${runId} x`, 'garbage']));
  });

  it('wakes a waiter only when its run ends: not when it starts or pauses', async () => {
    const runId = randomUUID();
    const { waiting, woken } = await waitOn(watch, runId, 0);
    await insertRun(runId, 'RUNNING', 1);
    await setStatus(runId, 'PAUSED', 2);
    await setStatus(runId, 'RUNNING', 3);
    // The marker's notice comes after theirs: once it has been heard, so have they.
    await announcedMarker();
    expect(woken()).toBe(false);
    await setStatus(runId, 'TIMED_OUT', 4);
    expect(await waiting).toBe('advanced');
  });

  it('does not wake a waiter whose run is still running when it registers', async () => {
    const runId = randomUUID();
    await insertRun(runId, 'RUNNING', 3);
    const { waiting, woken } = await waitOn(watch, runId, 0); // its first read sees the run running
    await announcedMarker();
    expect(woken()).toBe(false);
    await setStatus(runId, 'COMPLETED', 4);
    expect(await waiting).toBe('advanced');
  });

  it('wakes on a notice without a status (sent before migration 0009)', async () => {
    const runId = randomUUID();
    const { waiting } = await waitOn(watch, runId, 2);
    await sql`select pg_notify(${RUN_STATUS_CHANNEL}, ${`${runId} 3`})`.execute(store.db);
    expect(await waiting).toBe('advanced');
  });

  it('remembers the runs this process started until their end is announced', async () => {
    const [ending, running] = [randomUUID(), randomUUID()];
    watch.starting(ending);
    watch.starting(running);
    expect(watch.isStarting(ending) && watch.isStarting(running)).toBe(true);
    await insertRun(running, 'RUNNING', 1);
    await insertRun(ending, 'RUNNING', 1);
    await setStatus(ending, 'FAILED', 2);
    await waitFor(() => !watch.isStarting(ending));
    expect(watch.isStarting(running)).toBe(true);
  });

  it('listens again after its connection is killed', async () => {
    const killed = await listenerPid();
    await sql`select pg_terminate_backend(${killed})`.execute(store.db);
    await listenerPid(killed);
    const runId = randomUUID();
    await insertRun(runId, 'RUNNING', 1);
    const { waiting } = await waitOn(watch, runId, 1);
    await setStatus(runId, 'CANCELLED', 2);
    expect(await waiting).toBe('advanced');
  });
});

describe('notifiedRunWatch without notices', () => {
  it('wakes at once a waiter whose run ended before it registered', async () => {
    const watch = notifiedRunWatch({
      db: store.db,
      connectionString: NOWHERE_URL,
      logger: silentLogger,
      safetyPollMs: 600_000,
      reconnectMaxMs: 1_000,
    });
    try {
      const runId = randomUUID();
      await insertRun(runId, 'COMPLETED', 2);
      expect(await watch.changed(runId, 1, LONG)).toEqual({ why: 'advanced' });
    } finally {
      await watch.close();
    }
  });

  it('wakes, by its safety poll, the waiters of a run whose status changed', async () => {
    const watch = notifiedRunWatch({
      db: store.db.withPlugin(counting),
      connectionString: NOWHERE_URL,
      logger: silentLogger,
      safetyPollMs: 20,
      reconnectMaxMs: 1_000,
    });
    try {
      const [progressing, ending] = [randomUUID(), randomUUID()];
      await insertRun(progressing, 'RUNNING', 1);
      await insertRun(ending, 'RUNNING', 1);
      const { waiting: first } = await waitOn(watch, progressing, 1, LONG);
      const { waiting: second } = await waitOn(watch, ending, 1, LONG);
      await sql`update workflow_runs set last_seq = 2 where run_id = ${progressing}`.execute(store.db);
      await setStatus(ending, 'COMPLETED', 2);
      expect(await second).toBe('advanced');
      // Polls that saw the progress woke nobody; close() ends the wait.
      const seen = reads;
      await waitFor(() => reads >= seen + 3);
      await watch.close();
      expect(await first).toBe('closed');
    } finally {
      await watch.close();
    }
  });

  it('close() wakes every waiter, also one that registers after', async () => {
    const watch = notifiedRunWatch({
      db: store.db,
      connectionString: DATABASE_URL,
      logger: silentLogger,
      safetyPollMs: 600_000,
    });
    const a = watch.changed(randomUUID(), 0, LONG);
    const b = watch.changed(randomUUID(), 5, LONG);
    await watch.close();
    await watch.close();
    expect(await Promise.all([a, b, watch.changed(randomUUID(), 0, LONG)])).toEqual([
      { why: 'closed' },
      { why: 'closed' },
      { why: 'closed' },
    ]);
  });
});
