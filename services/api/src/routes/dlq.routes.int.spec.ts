import { randomUUID } from 'node:crypto';
import { decodeCommand, silentLogger, topicNames, type RedriveStep, type StartRun } from '@weft/contracts';
import { openEmbeddedEventLog, type EventLog } from '@weft/eventlog';
import {
  getDlqEntry,
  insertDlqEntry,
  migrateToLatest,
  openPgliteStore,
  toJsonText,
  type Store,
} from '@weft/store';
import { waitFor } from '@weft/testing';
import type { Hono } from 'hono';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app';
import { uuidV5 } from '../run-ids';
import { replayIdempotencyKey } from '../dlq-replay';

/**
 * The DLQ routes (F7) in process on PGlite and the embedded log: entries are rows as the projection
 * writes them; a replay is the StartRun command that reaches the commands topic.
 */
const topics = topicNames('dlq-api-test.');
let store: Store;
let log: EventLog;
let app: Hono;
const commands: StartRun[] = [];
const redrives: RedriveStep[] = [];

beforeAll(async () => {
  store = await openPgliteStore();
  await migrateToLatest(store.db);
  log = await openEmbeddedEventLog({ db: store.db, idlePollMs: 50 });
  app = createApp({
    db: store.db,
    log,
    topics,
    logger: silentLogger,
    now: () => new Date('2026-02-01T00:00:00.000Z'),
    newRunId: randomUUID,
    maxBodyBytes: 1 << 20,
    isReady: () => true,
  });
  expect((await post('/agents', { name: 'pay', url: 'http://127.0.0.1:9/rpc' })).status).toBe(201);
  const wf = await post('/workflows', {
    workflow_id: 'orders',
    name: 'Orders',
    input_schema: { type: 'object', required: ['order'] },
    steps: [{ id: 'charge', agent_name: 'pay' }],
  });
  expect(wf.status).toBe(201);
  await log.consume({ groupId: 'collector', topics: [topics.commands] }, async (batch) => {
    for (const record of batch.records) {
      const decoded = decodeCommand(record.value);
      if (decoded.ok && decoded.value.type === 'StartRun') commands.push(decoded.value);
      if (decoded.ok && decoded.value.type === 'RedriveStep') redrives.push(decoded.value);
    }
  });
});
afterAll(async () => {
  await log?.close();
  await store?.close();
});
beforeEach(async () => {
  await sql`truncate dlq_entries`.execute(store.db);
});

async function request(method: string, path: string, body?: unknown) {
  const res = await app.request(`/api/v1${path}`, {
    method,
    ...(body === undefined
      ? {}
      : {
          headers: { 'content-type': 'application/json' },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}
const post = (path: string, body?: unknown) => request('POST', path, body);
const get = (path: string) => request('GET', path);

let seq = 1;
/** An entry as the projection writer records it. */
async function entry(
  extra: { agent_name?: string; workflow_id?: string; version?: number; at?: string } = {},
) {
  const runId = randomUUID();
  const id = `${runId}.${++seq}`;
  await insertDlqEntry(store.db, {
    entry_id: id,
    run_id: runId,
    workflow_id: extra.workflow_id ?? 'orders',
    version: extra.version ?? 1,
    step_path: 'charge',
    step_id: 'charge',
    agent_name: extra.agent_name ?? 'pay',
    invocation_id: `${runId}/charge#3`,
    input: toJsonText({ amount: seq }),
    run_input: toJsonText({ order: `o-${seq}` }),
    error: toJsonText({ kind: 'http_503', message: 'status 503' }),
    attempts: 3,
    created_at: extra.at ?? `2026-01-01T00:00:${String(seq % 60).padStart(2, '0')}.000Z`,
  });
  return id;
}

/** A run's rows as the projection writes them: the run, and its RunStarted (and RunFailed) events. */
async function insertRun(runId: string, status: string, failedAt?: string) {
  const at = '2026-01-01T00:00:00.000Z';
  const error =
    failedAt === undefined ? null : toJsonText({ kind: 'http_503', message: 'x', step_path: failedAt });
  await store.db
    .insertInto('workflow_runs')
    .values({
      run_id: runId,
      workflow_id: 'orders',
      version: 1,
      status,
      input: toJsonText({ order: 'o' }),
      error,
      root_run_id: runId,
      created_at: at,
      last_seq: 2,
    })
    .execute();
  const started = {
    workflow_id: 'orders',
    version: 1,
    definition: {},
    input: { order: 'o' },
    root_run_id: runId,
    nesting_level: 0,
    chain_sequence: 0,
    requested_at: at,
  };
  await store.db
    .insertInto('run_events')
    .values([
      { run_id: runId, seq: 1, type: 'RunStarted', data: toJsonText(started), recorded_at: at },
      ...(error === null
        ? []
        : [
            {
              run_id: runId,
              seq: 2,
              type: 'RunFailed',
              data: toJsonText({ error: { kind: 'http_503', message: 'x', step_path: failedAt! } }),
              recorded_at: at,
            },
          ]),
    ])
    .execute();
}

describe('GET /dlq', () => {
  it('lists entries newest first with filters and cursor pagination', async () => {
    const a = await entry({ at: '2026-01-01T00:00:01.000Z' });
    const b = await entry({ at: '2026-01-01T00:00:02.000Z', agent_name: 'other' });
    const c = await entry({ at: '2026-01-01T00:00:03.000Z', workflow_id: 'elsewhere' });
    const all = await get('/dlq');
    expect(all.status).toBe(200);
    expect(all.body.items.map((e: { id: string }) => e.id)).toEqual([c, b, a]);
    expect(all.body.items[2]).toMatchObject({
      id: a,
      entry_id: a,
      step_path: 'charge',
      agent_name: 'pay',
      input: { amount: expect.any(Number) },
      run_input: { order: expect.any(String) },
      error: { kind: 'http_503' },
      last_error: { kind: 'http_503' },
      attempts: 3,
      status: 'pending',
      replay_run_id: null,
    });
    expect((await get('/dlq?agent_name=other')).body.items.map((e: { id: string }) => e.id)).toEqual([b]);
    expect((await get('/dlq?workflow_id=elsewhere')).body.items.map((e: { id: string }) => e.id)).toEqual([
      c,
    ]);
    expect((await get('/dlq?status=replayed')).body.items).toEqual([]);
    const first = await get('/dlq?limit=2');
    expect(first.body.items).toHaveLength(2);
    const second = await get(`/dlq?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body).toEqual({ items: [expect.objectContaining({ id: a })], next_cursor: null });
  });

  it('rejects bad filters with the error envelope', async () => {
    for (const q of ['status=lost', 'limit=0', 'limit=1001', 'cursor=nope', 'agent_name=']) {
      const res = await get(`/dlq?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.any(String) });
    }
  });
});

describe('GET and DELETE /dlq/{id}', () => {
  it('gets an entry; deletes it once; unknown ids are 404', async () => {
    const id = await entry();
    expect((await get(`/dlq/${id}`)).body).toMatchObject({ id, status: 'pending' });
    expect((await request('DELETE', `/dlq/${id}`)).status).toBe(204);
    for (const res of [
      await get(`/dlq/${id}`),
      await request('DELETE', `/dlq/${id}`),
      await get('/dlq/not-an-id'),
      await post(`/dlq/${randomUUID()}.7/replay`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
  });
});

describe('POST /dlq/{id}/replay', () => {
  it('starts one new run of the same version with the run input; a second replay returns that run', async () => {
    const id = await entry();
    const runInput = (await getDlqEntry(store.db, id))!.run_input;
    const first = await post(`/dlq/${id}/replay`);
    expect(first.status).toBe(202);
    const runId = uuidV5(`orders\n${replayIdempotencyKey(id)}`);
    expect(first.body).toMatchObject({ entry_id: id, outcome: 'replayed', run_id: runId, mode: 'run' });
    expect(first.body.entry).toMatchObject({ status: 'replayed', replay_run_id: runId, replay_mode: 'run' });
    const started = await waitFor(() => commands.find((c) => c.run_id === runId), { timeoutMs: 10_000 });
    expect(started).toMatchObject({ workflow_id: 'orders', version: 1, input: runInput });

    const again = await post(`/dlq/${id}/replay`, { mode: 'run' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ outcome: 'skipped', run_id: runId, reason: 'already replayed' });
    expect((await get(`/dlq?status=replayed`)).body.items.map((e: { id: string }) => e.id)).toEqual([id]);
  });

  it('mode step sends RedriveStep with the run history for the step that failed a FAILED run', async () => {
    const id = await entry();
    const runId = id.split('.')[0]!;
    await insertRun(runId, 'FAILED', 'charge');
    const res = await post(`/dlq/${id}/replay`, { mode: 'step' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({ outcome: 'replayed', run_id: runId, mode: 'step' });
    const sent = await waitFor(() => redrives.find((c) => c.entry_id === id), { timeoutMs: 10_000 });
    expect(sent).toMatchObject({ run_id: runId, step_path: 'charge' });
    expect(sent.history.map((e) => e.type)).toEqual(['RunStarted', 'RunFailed']);
    const again = await post(`/dlq/${id}/replay`, { mode: 'step' });
    expect(again.body).toMatchObject({ outcome: 'skipped', run_id: runId });
  });

  it('mode step refuses (409) a run that is not FAILED or that failed at another step', async () => {
    const running = await entry();
    await insertRun(running.split('.')[0]!, 'RUNNING');
    const other = await entry();
    await insertRun(other.split('.')[0]!, 'FAILED', 'somewhere-else');
    const gone = await entry();
    for (const [id, message] of [
      [running, /is RUNNING/],
      [other, /not the step that failed/],
      [gone, /no longer exists/],
    ] as const) {
      const res = await post(`/dlq/${id}/replay`, { mode: 'step' });
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({
        code: 'ILLEGAL_STATE',
        message: expect.stringMatching(message),
      });
      expect((await get(`/dlq/${id}`)).body.status).toBe('pending');
    }
  });

  it('rejects a bad body, and a version that no longer exists is an error, not a crash', async () => {
    const id = await entry();
    for (const body of ['{', { mode: 'sideways' }, { mode: 'run', extra: 1 }, []]) {
      const res = await post(`/dlq/${id}/replay`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toMatch(/VALIDATION_FAILED|INVALID_JSON/);
    }
    const orphan = await entry({ version: 9 });
    const res = await post(`/dlq/${orphan}/replay`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('UNKNOWN_WORKFLOW');
    expect((await get(`/dlq/${orphan}`)).body.status).toBe('pending');
  });
});

describe('POST /dlq/replay (bulk)', () => {
  it('replays by ids, reporting each entry', async () => {
    const a = await entry();
    const b = await entry();
    expect((await post(`/dlq/${b}/replay`)).status).toBe(202);
    const unknown = `${randomUUID()}.3`;
    const res = await post('/dlq/replay', { ids: [a, b, unknown, 'junk'] });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { entry_id: a, outcome: 'replayed', run_id: uuidV5(`orders\n${replayIdempotencyKey(a)}`), mode: 'run' },
      {
        entry_id: b,
        outcome: 'skipped',
        run_id: uuidV5(`orders\n${replayIdempotencyKey(b)}`),
        reason: 'already replayed',
      },
      { entry_id: unknown, outcome: 'error', error: { code: 'NOT_FOUND', message: expect.any(String) } },
      { entry_id: 'junk', outcome: 'error', error: { code: 'NOT_FOUND', message: expect.any(String) } },
    ]);
    expect(res.body.summary).toEqual({ replayed: 1, skipped: 1, errors: 2 });
  });

  it('replays the pending entries a filter selects, up to the limit', async () => {
    await entry({ agent_name: 'other' });
    const mine = [await entry(), await entry(), await entry()];
    const res = await post('/dlq/replay', { filter: { agent_name: 'pay' }, limit: 2 });
    expect(res.body.summary).toEqual({ replayed: 2, skipped: 0, errors: 0 });
    expect(res.body.results.map((r: { entry_id: string }) => r.entry_id)).toEqual([mine[2], mine[1]]);
    const rest = await post('/dlq/replay', { filter: { agent_name: 'pay' } });
    expect(rest.body.results.map((r: { entry_id: string }) => r.entry_id)).toEqual([mine[0]]);
    expect(
      (await get('/dlq?status=pending')).body.items.map((e: { agent_name: string }) => e.agent_name),
    ).toEqual(['other']);
  });

  it('validates the body: one of ids and filter, bounded sizes', async () => {
    const tooMany = Array.from({ length: 1001 }, (_, i) => `${randomUUID()}.${i + 1}`);
    for (const body of [
      {},
      { ids: [] },
      { ids: tooMany },
      { ids: ['x'], filter: {} },
      { ids: ['x'], limit: 3 },
      { filter: { status: 'lost' } },
      { filter: {}, limit: 5000 },
      { filter: {}, mode: 'both' },
      { filter: {}, unknown: true },
      'not json',
    ]) {
      const res = await post('/dlq/replay', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toMatchObject({ code: expect.stringMatching(/VALIDATION_FAILED|INVALID_JSON/) });
    }
  });
});
