import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEADERS, RunEventSchema, topicNames, type RunEvent } from '@weft/contracts';
import { eventHeaders, openFileEventLog, type EventLog, type LogRecord } from '@weft/eventlog';
import {
  getRun,
  listRunEvents,
  migrateToLatest,
  openPgliteStore,
  type DatabaseCall,
  type Run,
  type Store,
} from '@weft/store';
import { heldDatasync, waitFor } from '@weft/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createProjectionWriter } from './projection-writer';

const topics = topicNames('t.');

/** One run's events, numbered as the scheduler numbers them. */
function runEvents(runId: string, ending: boolean): RunEvent[] {
  const at = '2026-01-01T00:00:00.000Z';
  const raw = [
    {
      type: 'RunStarted',
      data: {
        workflow_id: 'w',
        version: 1,
        definition: {},
        input: { n: 1 },
        root_run_id: runId,
        nesting_level: 0,
        chain_sequence: 0,
        requested_at: at,
      },
    },
    {
      type: 'StepScheduled',
      step_path: 'a',
      data: {
        step_id: 'a',
        step_type: 'agent',
        attempt: 1,
        invocation_id: `${runId}/a#1`,
        agent_name: 'echo',
        input: { n: 1 },
      },
    },
    ...(ending
      ? [
          { type: 'StepCompleted', step_path: 'a', data: { step_id: 'a', attempt: 1, output: { n: 2 } } },
          { type: 'RunCompleted', data: { output: { n: 2 } } },
        ]
      : []),
  ];
  return raw.map((e, i) => RunEventSchema.parse({ ...e, run_id: runId, seq: i + 1, recorded_at: at }));
}

const asRecord = (event: RunEvent) => ({
  topic: topics.events,
  key: event.run_id,
  value: JSON.stringify(event),
  headers: eventHeaders(event),
});

// The embedded engine applies batches on PGlite's worker thread (`Store.call`); the projection
// writer process applies them on its Postgres connection, where it runs.
describe.each([
  ['on the calling thread', false],
  ["on PGlite's worker thread", true],
])('projection writer, batches applied %s', (_where, worker) => {
  let dir: string;
  let store: Store;
  let log: EventLog;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'weft-projection-writer-'));
    store = await openPgliteStore({ worker });
    await migrateToLatest(store.db);
    log = await openFileEventLog({ dir, compactedTopics: [topics.runState] });
  });
  afterEach(async () => {
    await log.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('hands over the rows of the runs a batch ended, as committed, and only those', async () => {
    const ended: Run[][] = [];
    // Every batch goes through the store's `call` (on the worker, for a worker store).
    const called: { name: string; values: number }[] = [];
    const call: DatabaseCall = (fn, args) => {
      called.push({ name: fn.name, values: (args as { values: unknown[] }).values.length });
      return store.call(fn, args);
    };
    const writer = createProjectionWriter({
      log,
      topics,
      db: store.db,
      call,
      onRunsEnded: (runs) => ended.push([...runs]),
    });
    const [finishing, running] = [randomUUID(), randomUUID()];
    await log.produce([...runEvents(finishing, true), ...runEvents(running, false)].map(asRecord));
    await writer.start();
    try {
      await waitFor(() => ended.length > 0, { message: 'the ended run was handed over' });
      expect(ended).toEqual([
        [expect.objectContaining({ run_id: finishing, status: 'COMPLETED', output: { n: 2 }, last_seq: 4 })],
      ]);
      expect(called.every((c) => c.name === 'projectRecords')).toBe(true);
      expect(called.reduce((n, c) => n + c.values, 0)).toBe(6);
    } finally {
      await writer.stop();
    }
  });

  it('beforeDurable: applies a batch while its events wait for their fsync, and commits it after', async () => {
    // A log of its own whose fsyncs wait until the test lets them go.
    const fsync = heldDatasync();
    const held = await openFileEventLog({
      dir: join(dir, 'held'),
      compactedTopics: [topics.runState],
      datasync: fsync.datasync,
    });
    const ended: Run[][] = [];
    /** Events handed to the projection (the writer's start calls it once with none). */
    let applying = 0;
    const writer = createProjectionWriter({
      log: held,
      topics,
      db: store.db,
      call: (fn, args, options) => {
        applying += (args as { values: unknown[] }).values.length;
        return store.call(fn, args, options);
      },
      onRunsEnded: (runs) => ended.push([...runs]),
      beforeDurable: true,
    });
    await writer.start();
    try {
      const runId = randomUUID();
      const produced = held.produce(runEvents(runId, true).map(asRecord));
      await waitFor(() => applying === 4 && fsync.waiting() > 0, {
        message: 'the batch was applied before its fsync',
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(ended).toEqual([]);
      fsync.release();
      await produced;
      await waitFor(() => ended.length > 0, { message: 'the batch committed once durable' });
      expect(ended).toEqual([[expect.objectContaining({ run_id: runId, status: 'COMPLETED', last_seq: 4 })]]);
      expect((await getRun(store.db, runId))?.status).toBe('COMPLETED');
    } finally {
      fsync.release();
      await writer.stop();
      await held.close();
    }
  });

  it('dead-letters a record that is not an event and projects the events around it', async () => {
    const runId = randomUUID();
    const [first, ...rest] = runEvents(runId, true).map(asRecord);
    await log.produce([first!, { topic: topics.events, key: runId, value: '{"type":"RunStarted"' }, ...rest]);
    const dead: LogRecord[] = [];
    const watcher = await log.consume(
      { groupId: 'dlq-watch', topics: [topics.deadLetters], fromBeginning: true },
      async (batch) => void dead.push(...batch.records),
    );
    const writer = createProjectionWriter({ log, topics, db: store.db, call: store.call });
    await writer.start();
    try {
      await waitFor(() => dead.length > 0, { message: 'the bad record was dead-lettered' });
      expect(dead).toEqual([expect.objectContaining({ key: runId, value: '{"type":"RunStarted"' })]);
      expect(dead[0]!.headers[HEADERS.deadLetterReason]).toMatch(/JSON|json/);
      await waitFor(async () => (await getRun(store.db, runId))?.status === 'COMPLETED', {
        message: 'the events around it were projected',
      });
      expect((await listRunEvents(store.db, runId, { limit: 10 })).items.map((e) => e.seq)).toEqual([
        1, 2, 3, 4,
      ]);
    } finally {
      await writer.stop();
      await watcher.stop();
    }
  });
});
