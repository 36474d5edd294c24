import { randomUUID } from 'node:crypto';
import { decodeCommand, HEADERS, silentLogger, topicNames, type StartRun } from '@weft/contracts';
import { openEmbeddedEventLog, type EventLog, type LogRecord } from '@weft/eventlog';
import { migrateToLatest, openPgliteStore, type Store } from '@weft/store';
import { waitFor } from '@weft/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from './app';
import { uuidV5 } from './run-ids';
import { createStartRequestIngress, type StartRequestIngress } from './start-request-ingress';

/**
 * The start-request ingress on the embedded log and an in-memory store: every way a record can
 * fail lands on the dead-letter topic with its reason, and the records around it still start runs.
 * (services/engine/src/distributed.e2e.spec.ts runs the same path on Kafka between processes.)
 */
const topics = topicNames('ingress-test.');
let store: Store;
let log: EventLog;
let ingress: StartRequestIngress;
const commands: StartRun[] = [];
const deadLetters: LogRecord[] = [];

beforeAll(async () => {
  store = await openPgliteStore();
  await migrateToLatest(store.db);
  log = await openEmbeddedEventLog({ db: store.db, idlePollMs: 50 });
  const deps = {
    db: store.db,
    log,
    topics,
    logger: silentLogger,
    now: () => new Date('2026-01-01T00:00:00.000Z'),
    newRunId: randomUUID,
  };
  const app = createApp({ ...deps, maxBodyBytes: 1 << 20, isReady: () => true });
  const post = async (path: string, body: object) => {
    const res = await app.request(`/api/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBe(201);
  };
  await post('/agents', { name: 'echo', url: 'http://127.0.0.1:9/rpc', method: 'echo' });
  await post('/agents', { name: 'gone', url: 'http://127.0.0.1:9/rpc', method: 'echo' });
  await post('/workflows', {
    workflow_id: 'typed',
    name: 'Typed',
    input_schema: { type: 'object', required: ['order'] },
    steps: [{ id: 'a', agent_name: 'echo' }],
  });
  await post('/workflows', {
    workflow_id: 'orphan',
    name: 'Orphan',
    steps: [{ id: 'a', agent_name: 'gone' }],
  });
  const deleted = await app.request('/api/v1/agents/gone', { method: 'DELETE' });
  expect(deleted.status).toBeLessThan(300);
  await post('/workflows', {
    workflow_id: 'later',
    name: 'Later',
    steps: [{ id: 'wait', type: 'wait_for_event', event_type: 'approved' }],
  });

  await log.consume(
    { groupId: 'collector', topics: [topics.commands, topics.deadLetters] },
    async (batch) => {
      for (const record of batch.records) {
        if (record.topic === topics.deadLetters) deadLetters.push(record);
        else {
          const decoded = decodeCommand(record.value);
          if (decoded.ok && decoded.value.type === 'StartRun') commands.push(decoded.value);
        }
      }
    },
  );
  ingress = createStartRequestIngress(deps);
  await ingress.start();
});

afterAll(async () => {
  await ingress?.stop();
  await log?.close();
  await store?.close();
});

const publish = (...values: string[]) =>
  log.produce(values.map((value, i) => ({ topic: topics.startRequests, key: `k${i}`, value })));

describe('start-request ingress', () => {
  it('turns a valid request into a StartRun command carrying its correlation id', async () => {
    await publish(
      JSON.stringify({ workflow_id: 'typed', input: { order: { id: 1 } }, correlation_id: 'corr-1' }),
    );
    const command = await waitFor(() => commands.find((c) => c.correlation_id === 'corr-1'));
    expect(command).toMatchObject({
      type: 'StartRun',
      workflow_id: 'typed',
      version: 1,
      input: { order: { id: 1 } },
      requested_at: '2026-01-01T00:00:00.000Z',
    });
    expect(command.definition).toMatchObject({ workflow_id: 'typed' });
  });

  it('derives the run id from the idempotency key, as the HTTP API does', async () => {
    const request = JSON.stringify({ workflow_id: 'typed', input: { order: {} }, idempotency_key: 'once' });
    await publish(request, request);
    const started = await waitFor(() => {
      const found = commands.filter((c) => c.idempotency_key === 'once');
      return found.length === 2 ? found : undefined;
    });
    expect(new Set(started.map((c) => c.run_id))).toEqual(new Set([uuidV5('typed\nonce')]));
  });

  it('dead-letters each kind of bad record with its reason and keeps going', async () => {
    const bad: [string, string][] = [
      ['{"workflow_id":', 'INVALID_JSON'],
      [JSON.stringify({ workflow_id: 'typed' }), 'VALIDATION_FAILED: record does not match schema: /input'],
      [JSON.stringify({ workflow_id: 'typed', input: {}, extra: 1 }), 'VALIDATION_FAILED'],
      [JSON.stringify({ workflow_id: 'nope', input: {} }), "UNKNOWN_WORKFLOW: workflow 'nope' not found"],
      [JSON.stringify({ workflow_id: 'typed', version: 9, input: {} }), 'UNKNOWN_WORKFLOW'],
      [
        JSON.stringify({ workflow_id: 'orphan', input: {} }),
        'UNKNOWN_AGENT: workflow names unregistered agent(s): gone',
      ],
      [JSON.stringify({ workflow_id: 'typed', input: { x: 1 } }), 'INPUT_SCHEMA_MISMATCH'],
      [JSON.stringify({ workflow_id: 'later', input: {} }), 'NOT_SUPPORTED_YET'],
    ];
    const before = deadLetters.length;
    await publish(
      ...bad.map(([value]) => value),
      JSON.stringify({ workflow_id: 'typed', input: { order: {} }, correlation_id: 'after-bad' }),
    );
    await waitFor(() => commands.some((c) => c.correlation_id === 'after-bad'));
    const parked = await waitFor(() =>
      deadLetters.length - before === bad.length ? deadLetters.slice(before) : undefined,
    );
    parked.forEach((record, i) => {
      const [value, reason] = bad[i]!;
      expect(record.value).toBe(value);
      expect(record.key).toBe(`k${i}`);
      expect(record.headers[HEADERS.deadLetterReason]).toContain(reason);
      expect(record.headers[HEADERS.deadLetterTopic]).toBe(topics.startRequests);
    });
    expect(parked[6]!.headers[HEADERS.deadLetterReason]).toContain("/: must have required property 'order'");
  });
});
