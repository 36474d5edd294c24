import { randomBytes, randomUUID } from 'node:crypto';
import { RunEventSchema, type RunEvent } from '@weft/contracts';
import { migrateToLatest, openPgliteStore, openPgStore, type Database, type Store } from '@weft/store';
import { sql, type Kysely, type KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEvent, markApplied } from './apply-event';
import { projectBatch } from './batch-projection';
import { RUN_COLUMNS, RUN_DEFAULTED, STEP_COLUMNS, STEP_DEFAULTED } from './projection-ops';

/**
 * The projection writer folds a batch's effects into a few set-based statements. Whatever the
 * batches, the rows must be exactly those of applying each event on its own, in order, with the
 * run's mark after it (a batch of one event as the writer applied it before the folding).
 */

const DATABASE_URL = process.env['WEFT_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The events of one run, numbered and timed as the scheduler would. */
function runLog(runId: string, start: number) {
  const events: RunEvent[] = [];
  const at = () => new Date(start + events.length * 1_000).toISOString();
  const error = (kind: string) => ({ kind, message: `${kind} happened`, retryable: kind !== 'fatal' });
  const add = (type: string, data: Record<string, unknown>, stepPath?: string) => {
    events.push(
      RunEventSchema.parse({
        type,
        run_id: runId,
        seq: events.length + 1,
        recorded_at: at(),
        data,
        ...(stepPath === undefined ? {} : { step_path: stepPath }),
      }),
    );
  };
  const started = (input: unknown = { n: 1 }) =>
    add('RunStarted', {
      workflow_id: 'wf',
      version: 1,
      definition: {},
      input,
      root_run_id: runId,
      nesting_level: 0,
      chain_sequence: 0,
      requested_at: at(),
    });
  const scheduled = (path: string, attempt = 1, placement: Record<string, unknown> = {}) =>
    add(
      'StepScheduled',
      {
        step_id: path.split('/').pop(),
        step_type: 'agent',
        attempt,
        invocation_id: `${runId}/${path}#${attempt}`,
        agent_name: 'echo',
        input: { path, attempt },
        ...placement,
      },
      path,
    );
  const stepStarted = (path: string, stepType: string, placement: Record<string, unknown> = {}) =>
    add('StepStarted', { step_id: path.split('/').pop(), step_type: stepType, ...placement }, path);
  const completed = (path: string, attempt = 1) =>
    add('StepCompleted', { step_id: path.split('/').pop(), attempt, output: { done: path } }, path);
  const loopStarted = (path: string, size: number, mode: 'sequential' | 'parallel') =>
    add(
      'LoopStarted',
      {
        step_id: path,
        items: Array.from({ length: size }, (_, i) => i),
        loop_collection_size: size,
        loop_execution_mode: mode,
        max_parallelism: 2,
      },
      path,
    );
  return { events, add, at, error, started, scheduled, stepStarted, completed, loopStarted };
}

/** Sequential steps, a retry, a parallel block, a condition, a loop and a loop of loops; completes. */
function completingRun(runId: string, start: number): RunEvent[] {
  const r = runLog(runId, start);
  r.started();
  r.scheduled('s1');
  r.add('TimerRequested', { timer_id: 's1/timeout#1', purpose: 'step_timeout', fire_at: r.at() });
  r.completed('s1');
  r.add('TimerCancelled', { timer_id: 's1/timeout#1' });
  r.scheduled('s2');
  r.add('StepAttemptFailed', { step_id: 's2', attempt: 1, error: r.error('http_503') }, 's2');
  r.add(
    'StepRetryScheduled',
    {
      step_id: 's2',
      attempt: 1,
      next_attempt: 2,
      delay_ms: 100,
      fire_at: r.at(),
      timer_id: 's2/retry#1',
      error: r.error('http_503'),
    },
    's2',
  );
  r.scheduled('s2', 2);
  r.completed('s2', 2);
  r.add(
    'StepStarted',
    { step_id: 'par', step_type: 'parallel', join_policy: 'ALL', branch_names: ['a', 'b'] },
    'par',
  );
  r.scheduled('par/a', 1, { parent_path: 'par', branch_name: 'a' });
  r.scheduled('par/b', 1, { parent_path: 'par', branch_name: 'b' });
  r.completed('par/b');
  r.add('BranchCompleted', { step_id: 'par', branch_name: 'b', status: 'COMPLETED', output: 1 }, 'par');
  r.completed('par/a');
  r.add('BranchCompleted', { step_id: 'par', branch_name: 'a', status: 'COMPLETED', output: 2 }, 'par');
  r.add(
    'JoinResolved',
    { step_id: 'par', join_policy: 'ALL', satisfied: true, n_required: 2, succeeded: ['a', 'b'], failed: [] },
    'par',
  );
  r.completed('par');
  r.stepStarted('cond', 'conditional');
  r.add(
    'ConditionEvaluated',
    { step_id: 'cond', condition_expression: 'input.n > 0', condition_result: true, branch_taken: 'then' },
    'cond',
  );
  r.completed('cond');
  r.stepStarted('loop', 'loop');
  r.loopStarted('loop', 3, 'parallel');
  for (const i of [0, 1]) r.scheduled(`loop[${i}]`, 1, { parent_path: 'loop', loop_iteration_index: i });
  r.completed('loop[0]');
  r.add('LoopIterationCompleted', { step_id: 'loop', loop_iteration_index: 0, ok: true, output: 0 }, 'loop');
  r.scheduled('loop[2]', 1, { parent_path: 'loop', loop_iteration_index: 2 });
  r.completed('loop[1]');
  r.completed('loop[2]');
  r.completed('loop');
  // A loop whose iteration is itself a loop: the inner iterations copy the inner loop's row.
  r.stepStarted('outer', 'loop');
  r.loopStarted('outer', 1, 'sequential');
  r.stepStarted('outer[0]', 'loop', { parent_path: 'outer', loop_iteration_index: 0 });
  r.loopStarted('outer[0]', 2, 'parallel');
  for (const i of [0, 1])
    r.scheduled(`outer[0][${i}]`, 1, { parent_path: 'outer[0]', loop_iteration_index: i });
  for (const i of [0, 1]) r.completed(`outer[0][${i}]`);
  r.completed('outer[0]');
  r.completed('outer');
  r.add('RunCompleted', { output: { ok: true } });
  return r.events;
}

/** A step fails for good; events about steps that have no row; the run fails. */
function failingRun(runId: string, start: number): RunEvent[] {
  const r = runLog(runId, start);
  r.started();
  r.scheduled('x');
  r.add('StepAttemptFailed', { step_id: 'x', attempt: 1, error: r.error('fatal') }, 'x');
  r.add('StepFailed', { step_id: 'x', attempt: 1, error: r.error('fatal') }, 'x');
  r.add('StepCancelled', { step_id: 'y', reason: 'run failed' }, 'y');
  r.add('StepTimedOut', { step_id: 'z', timeout_seconds: 1, error: r.error('timeout') }, 'z');
  r.add('StepFailed', { step_id: 'w', attempt: 0, error: r.error('invalid_input') }, 'w');
  r.add('RunFailed', { error: r.error('fatal') });
  return r.events;
}

/** A step dead-lettered, then re-driven: the DLQ effects sit between folded ones. */
function redrivenRun(runId: string, start: number): RunEvent[] {
  const r = runLog(runId, start);
  r.started({ order: 7 });
  r.scheduled('charge');
  r.add('StepTimedOut', { step_id: 'charge', timeout_seconds: 1, error: r.error('timeout') }, 'charge');
  r.add(
    'StepDeadLettered',
    {
      entry_id: `${runId}.${r.events.length + 1}`,
      step_id: 'charge',
      workflow_id: 'wf',
      version: 1,
      agent_name: 'echo',
      invocation_id: `${runId}/charge#1`,
      input: { amount: 5 },
      error: r.error('timeout'),
      attempts: 1,
    },
    'charge',
  );
  r.add('StepFailed', { step_id: 'charge', attempt: 1, error: r.error('timeout') }, 'charge');
  r.add('RunFailed', { error: r.error('timeout') });
  r.add('StepRedriven', { step_id: 'charge', entry_id: `${runId}.4`, attempt_base: 1 }, 'charge');
  r.scheduled('charge', 2);
  r.completed('charge', 2);
  r.add('RunCompleted', { output: { charged: true } });
  return r.events;
}

/** A run that times out while a step runs; and events of a run whose RunStarted is not there. */
function timedOutRun(runId: string, start: number): RunEvent[] {
  const r = runLog(runId, start);
  r.started();
  r.scheduled('wait');
  r.add('RunTimedOut', { error: r.error('run_timeout') });
  r.add('StepCancelled', { step_id: 'wait', reason: 'run timed out' }, 'wait');
  return r.events;
}
function orphanEvents(runId: string, start: number): RunEvent[] {
  const r = runLog(runId, start);
  r.add('TimerCancelled', { timer_id: 'nothing' });
  r.add('StepFailed', { step_id: 'q', attempt: 2, error: r.error('fatal') }, 'q');
  r.add('RunTimedOut', { error: r.error('run_timeout') });
  return r.events;
}

const SCENARIOS = [completingRun, failingRun, redrivenRun, timedOutRun, orphanEvents];

/** The scenarios' runs, fresh ids, interleaved as a log would hold them. */
function scenario(): { ids: string[]; events: RunEvent[] } {
  const ids = SCENARIOS.map(() => randomUUID());
  const logs = SCENARIOS.map((build, i) => build(ids[i]!, Date.UTC(2026, 0, 1) + i * 100));
  const events: RunEvent[] = [];
  for (let i = 0; logs.some((log) => i < log.length); i++) {
    for (const log of logs) if (i < log.length) events.push(log[i]!);
  }
  return { ids, events };
}

function batches<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) =>
    items.slice(i * size, (i + 1) * size),
  );
}

/** Every row of the scenario's runs, with run ids replaced by their scenario index. */
async function snapshot(db: Kysely<Database>, ids: readonly string[]): Promise<unknown> {
  const tables = {
    workflow_runs: sql`select * from workflow_runs where run_id = any(${ids}::uuid[]) order by run_id`,
    step_executions: sql`select * from step_executions where run_id = any(${ids}::uuid[]) order by run_id, step_path`,
    run_events: sql`select * from run_events where run_id = any(${ids}::uuid[]) order by run_id, seq`,
    dlq_entries: sql`select * from dlq_entries where run_id = any(${ids}::uuid[]) order by entry_id`,
  };
  const out: Record<string, unknown[]> = {};
  for (const [name, query] of Object.entries(tables)) {
    const { rows } = await query.execute(db);
    out[name] = rows
      .map((row) => {
        const text = JSON.stringify(row);
        return JSON.parse(ids.reduce((acc, id, i) => acc.replaceAll(id, `run#${i}`), text)) as unknown;
      })
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return out;
}

/** Counts the statements a Kysely instance sends (BEGIN/COMMIT aside). */
function counting(db: Kysely<Database>) {
  let count = 0;
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      count++;
      return args.node;
    },
    transformResult: (args) => Promise.resolve(args.result),
  };
  return { db: db.withPlugin(plugin), count: () => count };
}

/** How the writer applied events before the folding: each event's statements, then its run's mark. */
async function applyOneByOne(db: Kysely<Database>, events: readonly RunEvent[]): Promise<void> {
  for (const event of events) {
    await db.transaction().execute(async (trx) => {
      if (await applyEvent(trx, event)) await markApplied(trx, event.run_id, event.seq, event.recorded_at);
    });
  }
}

async function applyInBatches(
  db: Kysely<Database>,
  events: readonly RunEvent[],
  size: number,
): Promise<void> {
  for (const batch of batches(events, size)) {
    await db.transaction().execute((trx) => projectBatch(trx, batch));
  }
}

interface Dialect {
  readonly name: string;
  open(): Promise<{ store: Store; dispose(): Promise<void> }>;
}

const DIALECTS: Dialect[] = [
  {
    name: 'PGlite',
    open: async () => {
      const store = await openPgliteStore();
      return { store, dispose: () => store.close() };
    },
  },
  {
    name: 'Postgres',
    open: async () => {
      const schema = `weft_batch_projection_test_${process.pid}_${randomBytes(4).toString('hex')}`;
      const store = await openPgStore({ connectionString: DATABASE_URL, schema, max: 2 });
      return {
        store,
        dispose: async () => {
          await sql.raw(`drop schema if exists "${schema}" cascade`).execute(store.db);
          await store.close();
        },
      };
    },
  },
];

describe.each(DIALECTS)('batch projection on $name', (dialect) => {
  let store: Store;
  let dispose: (() => Promise<void>) | undefined;
  let reference: unknown;

  beforeAll(async () => {
    const opened = await dialect.open();
    store = opened.store;
    dispose = opened.dispose;
    await migrateToLatest(store.db);
    const { ids, events } = scenario();
    await applyOneByOne(store.db, events);
    reference = await snapshot(store.db, ids);
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('the reference is the scenario it means to be', () => {
    const rows = reference as {
      workflow_runs: { run_id: string; status: string; last_seq: number }[];
      step_executions: Record<string, unknown>[];
      dlq_entries: unknown[];
    };
    expect(rows.workflow_runs.map((r) => [r.run_id, r.status])).toEqual([
      ['run#0', 'COMPLETED'],
      ['run#1', 'FAILED'],
      ['run#2', 'COMPLETED'],
      ['run#3', 'TIMED_OUT'],
    ]);
    const step = (run: string, path: string) =>
      rows.step_executions.find((s) => s['run_id'] === run && s['step_path'] === path);
    expect(step('run#0', 's2')).toMatchObject({ status: 'COMPLETED', attempt: 2, error: null });
    expect(step('run#0', 'loop[2]')).toMatchObject({
      loop_collection_size: 3,
      loop_execution_mode: 'parallel',
    });
    expect(step('run#0', 'outer[0]')).toMatchObject({
      loop_collection_size: 2,
      loop_execution_mode: 'parallel',
    });
    expect(step('run#0', 'outer[0][1]')).toMatchObject({ loop_collection_size: 2, loop_iteration_index: 1 });
    expect(step('run#0', 'cond')).toMatchObject({ condition_result: true, branch_taken: 'then' });
    expect(step('run#1', 'y')).toBeUndefined();
    expect(step('run#4', 'q')).toMatchObject({ status: 'FAILED', attempt: 2 });
    expect(rows.dlq_entries).toHaveLength(1);
  });

  it.each([1, 3, 7, 1000])('batches of %i events give the same rows as one event at a time', async (size) => {
    const { ids, events } = scenario();
    await applyInBatches(store.db, events, size);
    expect(await snapshot(store.db, ids)).toEqual(reference);
  });

  it('redelivered events and events twice in a batch change nothing', async () => {
    const { ids, events } = scenario();
    const twice = events.flatMap((event) => [event, event]);
    await applyInBatches(store.db, twice, 9);
    await applyInBatches(store.db, events, 1000);
    await applyInBatches(store.db, events.slice(10), 5);
    expect(await snapshot(store.db, ids)).toEqual(reference);
  });

  it('a batch takes a handful of statements whatever its size', async () => {
    // Runs in flight: each batch completes one step of every run and schedules the next.
    const runs = Array.from({ length: 25 }, () => runLog(randomUUID(), Date.UTC(2026, 1, 1)));
    for (const r of runs) {
      r.started();
      r.scheduled('s1');
    }
    for (let step = 1; step < 20; step++) {
      for (const r of runs) {
        r.completed(`s${step}`);
        r.scheduled(`s${step + 1}`);
      }
    }
    const events = (from: number, to: number) => runs.flatMap((r) => r.events.slice(from, to));
    const oneByOne = counting(store.db);
    await applyOneByOne(oneByOne.db, events(0, 4)); // 100 events: starts, then a step each
    const folded = counting(store.db);
    await folded.db.transaction().execute((trx) => projectBatch(trx, events(4, 6))); // 50 events
    const large = counting(store.db);
    await large.db.transaction().execute((trx) => projectBatch(trx, events(6, 26))); // 500 events

    expect(oneByOne.count()).toBeGreaterThanOrEqual(3 * 100);
    // Event rows; step rows inserted, step rows updated; run rows updated (current step and mark).
    expect(folded.count()).toBeLessThanOrEqual(4);
    expect(large.count()).toBeLessThanOrEqual(4);
  });

  it('knows every column of the rows it inserts, their types and which have defaults', async () => {
    const SQL_TYPES = { 'timestamp with time zone': 'timestamptz' } as Record<string, string>;
    for (const [table, columns, defaulted] of [
      ['workflow_runs', RUN_COLUMNS, RUN_DEFAULTED],
      ['step_executions', STEP_COLUMNS, STEP_DEFAULTED],
    ] as const) {
      const { rows } = await sql<{ column_name: string; data_type: string; column_default: string | null }>`
        select column_name, data_type, column_default from information_schema.columns
        where table_name = ${table} and table_schema = current_schema()`.execute(store.db);
      expect(
        Object.fromEntries(rows.map((r) => [r.column_name, SQL_TYPES[r.data_type] ?? r.data_type])),
      ).toEqual(columns);
      expect(
        rows
          .filter((r) => r.column_default !== null)
          .map((r) => r.column_name)
          .sort(),
      ).toEqual([...defaulted].sort());
    }
  });
});
