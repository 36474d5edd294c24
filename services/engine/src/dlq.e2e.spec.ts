import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  jsonClient,
  startEngineProcess,
  startTestAgent,
  waitFor,
  type EngineProcess,
  type JsonClient,
  type TestAgent,
} from '@weft/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * F7 dead-letter queue end to end: the engine process, the real JSON-RPC test agent, the HTTP API.
 * The agent fails (a status it answers) until the test makes it healthy again, then replays from
 * the DLQ complete. Retention runs in the engine with the DLQ_RETENTION_* settings.
 */
let agent: TestAgent;
let dataDir: string;
let engine: EngineProcess;
let api: JsonClient;

beforeAll(async () => {
  agent = await startTestAgent();
  dataDir = await mkdtemp(join(tmpdir(), 'weft-dlq-'));
  engine = await startEngineProcess({ dataDir });
  api = jsonClient(engine.api);
  // Two attempts, no waiting between them: a retryable failure is dead-lettered after the second.
  const registered = await api.post('/agents', {
    name: 'payments',
    url: agent.url,
    method: 'charge',
    timeout_seconds: 30,
    retry_config: { type: 'immediate', max_attempts: 2 },
    // The agent fails on purpose many times here: its circuit must not open and hide the statuses.
    circuit_breaker_config: { failure_threshold: 10_000, minimum_calls: 10_000, window_size: 10_000 },
  });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const created = await api.post('/workflows', {
    workflow_id: 'checkout',
    name: 'Checkout',
    input_schema: { type: 'object', required: ['order'] },
    steps: [{ id: 'charge', agent_name: 'payments', input_mapping: { order: '${workflow.input.order}' } }],
    output_mapping: { charged: '${charge.output.order}' },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
});

afterAll(async () => {
  if (engine) expect(await engine.kill('SIGTERM')).toBe(0);
  await agent?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function run(input: unknown): Promise<any> {
  const started = await api.post('/workflows/checkout/runs', { input });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return ended(started.body.run_id);
}

async function ended(runId: string): Promise<any> {
  return waitFor(
    async () => {
      const res = await api.get(`/runs/${runId}`);
      return res.status === 200 && !['RUNNING', 'PENDING', 'PAUSED'].includes(res.body.status)
        ? res.body
        : undefined;
    },
    { timeoutMs: 60_000, message: `run ${runId} did not end` },
  );
}

/** The run's DLQ entry, once the projection has it. */
async function entryOf(runId: string): Promise<any> {
  return waitFor(
    async () =>
      (await api.get('/dlq?workflow_id=checkout&limit=1000')).body.items.find((e: any) => e.run_id === runId),
    { timeoutMs: 30_000, message: `no dlq entry for run ${runId}` },
  );
}

describe('F7 dead-letter queue', () => {
  it('a non-retryable status fails the step at once, fails the run, and becomes a DLQ entry', async () => {
    agent.on('charge', { kind: 'status', status: 400, body: 'bad card' });
    const before = agent.callCount('charge');
    const failed = await run({ order: 'o-400' });
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatchObject({ kind: 'http_400', step_path: 'charge' });
    expect(agent.callCount('charge') - before).toBe(1);

    const entry = await entryOf(failed.run_id);
    expect(entry).toMatchObject({
      workflow_id: 'checkout',
      version: 1,
      step_path: 'charge',
      agent_name: 'payments',
      input: { order: 'o-400' },
      run_input: { order: 'o-400' },
      error: { kind: 'http_400' },
      attempts: 1,
      status: 'pending',
    });
    expect((await api.get(`/dlq/${entry.id}`)).body).toEqual(entry);
    // The entry is on the run's own stream too.
    const events = (await api.get(`/runs/${failed.run_id}/events`)).body.items;
    expect(events.map((e: any) => e.type)).toEqual(
      expect.arrayContaining(['StepFailed', 'StepDeadLettered']),
    );
  });

  it('after retries run out the entry replays as one new run that completes once the agent is healthy', async () => {
    agent.on('charge', { kind: 'status', status: 503 });
    const failed = await run({ order: 'o-503' });
    expect(failed.status).toBe('FAILED');
    const entry = await entryOf(failed.run_id);
    expect(entry).toMatchObject({ attempts: 2, error: { kind: 'http_503' } });

    agent.on('charge', { kind: 'echo' });
    const replayed = await api.post(`/dlq/${entry.id}/replay`, {});
    expect(replayed.status, JSON.stringify(replayed.body)).toBe(202);
    const newRun = replayed.body.run_id;
    expect(newRun).not.toBe(failed.run_id);
    const done = await ended(newRun);
    expect(done).toMatchObject({
      status: 'COMPLETED',
      version: 1,
      input: { order: 'o-503' },
      output: { charged: 'o-503' },
    });

    // A second replay starts nothing new: the same run, and the entry says so.
    const again = await api.post(`/dlq/${entry.id}/replay`, {});
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ outcome: 'skipped', run_id: newRun });
    expect((await api.get(`/dlq/${entry.id}`)).body).toMatchObject({
      status: 'replayed',
      replay_run_id: newRun,
    });
    const runs = (await api.get('/runs?workflow_id=checkout&limit=1000')).body.items;
    expect(
      runs
        .filter((r: any) => r.input?.order === 'o-503')
        .map((r: any) => r.run_id)
        .sort(),
    ).toEqual([failed.run_id, newRun].sort());
  });

  it('bulk replay by filter replays every pending entry, each once', async () => {
    agent.on('charge', { kind: 'status', status: 500 });
    const failedRuns = [await run({ order: 'bulk-1' }), await run({ order: 'bulk-2' })];
    for (const r of failedRuns) await entryOf(r.run_id);

    agent.on('charge', { kind: 'echo' });
    const bulk = await api.post('/dlq/replay', { filter: { workflow_id: 'checkout', status: 'pending' } });
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(200);
    // Every entry still pending: the two bulk ones and the non-retryable one of the first test.
    expect(bulk.body.summary).toEqual({ replayed: 3, skipped: 0, errors: 0 });
    const outcomes = await Promise.all(bulk.body.results.map((r: any) => ended(r.run_id)));
    expect(outcomes.map((o) => o.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(outcomes.map((o) => o.output.charged).sort()).toEqual(['bulk-1', 'bulk-2', 'o-400']);

    const ids = bulk.body.results.map((r: any) => r.entry_id);
    const twice = await api.post('/dlq/replay', { ids });
    expect(twice.body.summary).toEqual({ replayed: 0, skipped: 3, errors: 0 });
    expect(twice.body.results.map((r: any) => r.run_id)).toEqual(bulk.body.results.map((r: any) => r.run_id));
    expect((await api.get('/dlq?status=pending')).body.items).toEqual([]);
  });

  it('mode step re-drives the failed step of the failed run, which then completes; once', async () => {
    agent.on('charge', { kind: 'status', status: 502 });
    const failed = await run({ order: 'redrive-1' });
    expect(failed.status).toBe('FAILED');
    const entry = await entryOf(failed.run_id);
    const callsBefore = agent.callCount('charge');

    agent.on('charge', { kind: 'echo' });
    const redriven = await api.post(`/dlq/${entry.id}/replay`, { mode: 'step' });
    expect(redriven.status, JSON.stringify(redriven.body)).toBe(202);
    expect(redriven.body).toMatchObject({ outcome: 'replayed', run_id: failed.run_id, mode: 'step' });
    const again = await api.post(`/dlq/${entry.id}/replay`, { mode: 'step' });
    expect(again.body).toMatchObject({ outcome: 'skipped', run_id: failed.run_id });

    // The same run: reopened, the step called again with attempt numbers going on, then completed.
    const done = await waitFor(
      async () => {
        const res = await api.get(`/runs/${failed.run_id}`);
        return res.body.status === 'COMPLETED' ? res.body : undefined;
      },
      { timeoutMs: 60_000, message: 'the re-driven run did not complete' },
    );
    expect(done).toMatchObject({ output: { charged: 'redrive-1' }, error: null });
    expect(agent.callCount('charge') - callsBefore).toBe(1);
    const steps = (await api.get(`/runs/${failed.run_id}/steps`)).body.items;
    expect(steps).toEqual([expect.objectContaining({ step_id: 'charge', status: 'COMPLETED', attempt: 3 })]);
    const types = (await api.get(`/runs/${failed.run_id}/events`)).body.items.map((e: any) => e.type);
    expect(types.filter((t: string) => t === 'StepRedriven')).toHaveLength(1);
    expect(types.at(-1)).toBe('RunCompleted');
  });

  it('mode step refuses a run that did not fail (its failure absorbed by a loop) with 409', async () => {
    const created = await api.post('/workflows', {
      workflow_id: 'absorbing',
      name: 'Absorbing',
      steps: [
        {
          id: 'each',
          type: 'loop',
          loop_over: '${workflow.input.items}',
          error_policy: 'continue',
          loop_step: { id: 'pay', agent_name: 'payments', input_mapping: { order: '${loop.item}' } },
        },
      ],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    agent.on('charge', { kind: 'status', status: 422 });
    const started = await api.post('/workflows/absorbing/runs', { input: { items: ['x'] } });
    const done = await ended(started.body.run_id);
    expect(done.status).toBe('COMPLETED');
    const entry = await waitFor(
      async () =>
        (await api.get('/dlq?workflow_id=absorbing')).body.items.find((e: any) => e.run_id === done.run_id),
      { timeoutMs: 30_000, message: 'absorbed failure not dead-lettered' },
    );
    expect(entry).toMatchObject({ step_path: 'each[0]/pay', error: { kind: 'http_422' } });
    const refused = await api.post(`/dlq/${entry.id}/replay`, { mode: 'step' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'ILLEGAL_STATE',
      message: expect.stringMatching(/COMPLETED/),
    });
    agent.on('charge', { kind: 'echo' });
  });

  it('delete removes an entry; bad input is answered with the error envelope', async () => {
    const list = (await api.get('/dlq?limit=1')).body.items;
    expect(list).toHaveLength(1);
    expect((await api.delete(`/dlq/${list[0].id}`)).status).toBe(204);
    expect((await api.get(`/dlq/${list[0].id}`)).status).toBe(404);
    const bad = await api.get('/dlq?status=nope');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect((await api.post('/dlq/replay', { ids: [] })).status).toBe(400);
  });

  it('retention deletes entries older than DLQ_RETENTION_DAYS, in the running engine', async () => {
    expect((await api.get('/dlq')).body.items.length).toBeGreaterThan(0);
    expect(await engine.kill('SIGTERM')).toBe(0);
    // Retention 0 days: every entry is older than that at the next sweep (the cut-off itself is
    // tested with a fixed clock in services/projection-writer/src/dlq.int.spec.ts).
    engine = await startEngineProcess({
      dataDir,
      env: { DLQ_RETENTION_DAYS: '0', DLQ_RETENTION_INTERVAL_MS: '200' },
    });
    api = jsonClient(engine.api);
    await waitFor(async () => (await api.get('/dlq')).body.items.length === 0, {
      timeoutMs: 30_000,
      message: 'retention did not delete the entries',
    });
  });
});
