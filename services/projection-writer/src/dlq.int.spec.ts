import type { RunEvent } from '@weft/contracts';
import { getDlqEntry, listDlqEntries, migrateToLatest, openPgliteStore, type Store } from '@weft/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectBatch } from './batch-projection';
import { startDlqRetention, sweepDlqRetention } from './dlq-retention';

/** F7 in the projection: StepDeadLettered → dlq_entries, and retention deletes old entries. */
let store: Store;
beforeAll(async () => {
  store = await openPgliteStore();
  await migrateToLatest(store.db);
});
afterAll(async () => {
  await store?.close();
});

let runCounter = 0;
function deadLetteredRun(at: string, agent = 'payments'): RunEvent[] {
  const runId = `00000000-0000-4000-8000-${String(++runCounter).padStart(12, '0')}`;
  return [
    {
      type: 'RunStarted',
      run_id: runId,
      seq: 1,
      recorded_at: at,
      data: {
        workflow_id: 'wf',
        version: 2,
        definition: {},
        input: { order: runCounter },
        root_run_id: runId,
        nesting_level: 0,
        chain_sequence: 0,
        requested_at: at,
      },
    },
    {
      type: 'StepDeadLettered',
      run_id: runId,
      seq: 2,
      step_path: 'charge',
      recorded_at: at,
      data: {
        entry_id: `${runId}.2`,
        step_id: 'charge',
        workflow_id: 'wf',
        version: 2,
        agent_name: agent,
        invocation_id: `${runId}/charge#3`,
        input: { amount: 5 },
        error: { kind: 'http_503', message: 'status 503', details: { attempts: 3 } },
        attempts: 3,
      },
    },
  ];
}

/** As the projection writer applies a batch. */
async function apply(events: RunEvent[]): Promise<void> {
  await store.db.transaction().execute((trx) => projectBatch(trx, events));
}

describe('dlq projection', () => {
  it('records the entry with the step input, the run input, the last error and the attempts; once', async () => {
    const events = deadLetteredRun('2026-05-20T10:00:00.000Z');
    await apply(events);
    await apply(events); // redelivered: no second row, no error
    const runId = events[0]!.run_id;
    expect(await getDlqEntry(store.db, `${runId}.2`)).toMatchObject({
      entry_id: `${runId}.2`,
      run_id: runId,
      workflow_id: 'wf',
      version: 2,
      step_path: 'charge',
      agent_name: 'payments',
      invocation_id: `${runId}/charge#3`,
      input: { amount: 5 },
      run_input: { order: runCounter },
      error: { kind: 'http_503', details: { attempts: 3 } },
      attempts: 3,
      status: 'pending',
      replay_run_id: null,
      created_at: '2026-05-20T10:00:00.000Z',
    });
    const page = await listDlqEntries(store.db, { limit: 10, agent_name: 'payments' });
    expect(page.items.filter((e) => e.run_id === runId)).toHaveLength(1);
  });
});

describe('dlq retention', () => {
  it('deletes entries older than the retention, keeps the younger ones, in batches', async () => {
    const now = new Date('2026-06-01T00:00:00.000Z');
    const old = [
      deadLetteredRun('2026-04-01T00:00:00.000Z', 'ret'),
      deadLetteredRun('2026-04-30T23:59:59.000Z', 'ret'),
    ];
    const young = deadLetteredRun('2026-05-02T00:00:01.000Z', 'ret');
    for (const events of [...old, young]) await apply(events);
    // 30 days before `now` is 2026-05-02T00:00:00Z: the first two are older, the third is not.
    expect(await sweepDlqRetention(store.db, 30, now, 1)).toBe(2);
    const left = await listDlqEntries(store.db, { limit: 10, agent_name: 'ret' });
    expect(left.items.map((e) => e.run_id)).toEqual([young[0]!.run_id]);
    expect(await sweepDlqRetention(store.db, 30, now)).toBe(0);
  });

  it('the periodic task sweeps at start with the clock it is given', async () => {
    const events = deadLetteredRun('2026-01-01T00:00:00.000Z', 'periodic');
    await apply(events);
    const task = startDlqRetention({
      db: store.db,
      retentionDays: 7,
      intervalMs: 60_000,
      now: () => new Date('2026-01-09T00:00:00.000Z'),
    });
    await task.stop(); // waits for the sweep in flight
    expect(await getDlqEntry(store.db, `${events[0]!.run_id}.2`)).toBeUndefined();
  });
});
