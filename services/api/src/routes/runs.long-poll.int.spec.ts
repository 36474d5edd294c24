import { mkdtemp, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, topicNames } from '@weft/contracts';
import { openFileEventLog, type EventLog } from '@weft/eventlog';
import { getRun, migrateToLatest, openPgliteStore, type Store } from '@weft/store';
import { sql, type KyselyPlugin } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app';
import { pushedRunWatch } from '../run-watch';

/**
 * `GET /runs/:id?wait_ms=` on a watch fed by the process's own projection (the embedded engine):
 * the projection is played by hand here, so what the route reads is all the route's doing.
 */
const topics = topicNames('t.');
let dir: string;
let store: Store;
let log: EventLog;
/** Reads of `workflow_runs` through the API's database handle. */
let runReads = 0;
const counting: KyselyPlugin = {
  transformQuery: (args) => {
    const node = args.node as {
      kind: string;
      from?: { froms?: { table?: { identifier?: { name?: string } } }[] };
    };
    if (node.kind === 'SelectQueryNode' && node.from?.froms?.[0]?.table?.identifier?.name === 'workflow_runs')
      runReads += 1;
    return args.node;
  },
  transformResult: async (args) => args.result,
};
const watch = pushedRunWatch();
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-long-poll-'));
  store = await openPgliteStore();
  await migrateToLatest(store.db);
  log = await openFileEventLog({ dir, compactedTopics: [topics.runState] });
  app = createApp({
    db: store.db.withPlugin(counting),
    log,
    topics,
    logger: silentLogger,
    now: () => new Date(),
    newRunId: randomUUID,
    maxBodyBytes: 1_000_000,
    isReady: () => true,
    runWatch: watch,
  });
  const post = (path: string, body: unknown) =>
    app.request(`/api/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect((await post('/agents', { name: 'echo', url: 'http://127.0.0.1:1/rpc' })).status).toBe(201);
  const workflow = { workflow_id: 'w', name: 'W', steps: [{ id: 'a', agent_name: 'echo' }] };
  expect((await post('/workflows', workflow)).status).toBe(201);
});
afterAll(async () => {
  await log?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

async function start(body: Record<string, unknown> = {}): Promise<string> {
  const res = await app.request('/api/v1/workflows/w/runs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input: { n: 1 }, ...body }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { run_id: string }).run_id;
}

/** What the projection writer does when a run ends: the row, then the watch told with it. */
async function project(runId: string, status: string, lastSeq: number) {
  await sql`insert into workflow_runs (run_id, workflow_id, version, status, input, output, last_seq)
    values (${runId}, 'w', 1, ${status}, '{"n":1}'::jsonb, '{"n":1}'::jsonb, ${lastSeq})`.execute(store.db);
  watch.ended([(await getRun(store.db, runId))!]);
}

describe('GET /runs/:id?wait_ms= on a pushed watch', () => {
  it('waits on a run it started without reading it, and answers with the row handed over', async () => {
    const runId = await start();
    expect(watch.isStarting(runId)).toBe(true);
    const before = runReads;
    const answer = app.request(`/api/v1/runs/${runId}?wait_ms=20000`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await project(runId, 'COMPLETED', 4);
    const res = await answer;
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ run_id: runId, status: 'COMPLETED', output: { n: 1 } });
    expect(runReads - before).toBe(0);
    expect(watch.isStarting(runId)).toBe(false);
  });

  it('reads first a run started with an idempotency key, which may have ended already', async () => {
    const runId = await start({ idempotency_key: `key-${randomUUID()}` });
    expect(watch.isStarting(runId)).toBe(false);
    await project(runId, 'FAILED', 3);
    const before = runReads;
    const res = await app.request(`/api/v1/runs/${runId}?wait_ms=20000`);
    expect(await res.json()).toMatchObject({ run_id: runId, status: 'FAILED' });
    expect(runReads - before).toBe(1);
  });

  it('answers a run that ended before the long poll came from a read, at once', async () => {
    const runId = await start();
    await project(runId, 'COMPLETED', 4);
    const res = await app.request(`/api/v1/runs/${runId}?wait_ms=20000`);
    expect(await res.json()).toMatchObject({ run_id: runId, status: 'COMPLETED' });
  });

  it('answers 404 for a run that never appears, once the time is up', async () => {
    const res = await app.request(`/api/v1/runs/${randomUUID()}?wait_ms=100`);
    expect(res.status).toBe(404);
  });
});
