import {
  decodeCommand,
  decodeEvent,
  HEADERS,
  type Result,
  type RunEvent,
  type StartRun,
  type WeftError,
} from '@weft/contracts';
import { uuidV5 } from '@weft/api';
import type { LogRecord } from '@weft/eventlog';
import { startTestAgent, waitFor, type TestAgent } from '@weft/testing';
import { Partitioners, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHECKOUT_AGENTS,
  CHECKOUT_EVENTS,
  CHECKOUT_WORKFLOW,
  checkoutBehaviours,
} from './scenarios/agent-steps.scenarios';
import {
  SERVICES,
  startDistributedStack,
  type DistributedStack,
  type ObservedLog,
} from './scenarios/distributed-stack';
import { createWorkflow, registerAgent, runUntilEnded, type ScenarioHarness } from './scenarios/harness';

/**
 * Distributed mode end to end: every service its own process (as `npm run start:<service>` runs
 * it) on the real Kafka broker and Postgres, a real JSON-RPC test agent, runs started by upstream
 * systems publishing on `wf.start-requests`, and how the services stop. One set of processes for
 * the whole file, on a unique TOPIC_PREFIX (topics and groups) and a unique Postgres schema. The
 * embedded suite's scenarios run in distributed mode in distributed-scenarios.e2e.spec.ts.
 */
let stack: DistributedStack;
let agent: TestAgent;
let harness: ScenarioHarness;
let upstream: Producer;
/** Every record the services wrote on wf.commands, wf.events and wf.dead-letters, read committed. */
let observed: ObservedLog;
const seen = () => observed.records();

beforeAll(async () => {
  agent = await startTestAgent();
  checkoutBehaviours(agent);
  agent.on('refuse', { kind: 'jsonrpc_error', code: -32000, message: 'refused' });
  agent.on('sleep', { kind: 'delay', ms: 1500 });
  stack = await startDistributedStack({
    label: 'distributed',
    tuning: { sessionTimeoutMs: 10_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 },
  });
  harness = { api: stack.api, agent };
  const { topics } = stack;
  observed = await stack.observe([topics.commands, topics.events, topics.deadLetters]);
  upstream = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await upstream.connect();

  for (const [name, method] of [...CHECKOUT_AGENTS, ['refuser', 'refuse'], ['sleeper', 'sleep']]) {
    await registerAgent(harness, name, method);
  }
  await createWorkflow(harness, CHECKOUT_WORKFLOW);
  await createWorkflow(harness, {
    workflow_id: 'refused',
    name: 'Refused',
    steps: [{ id: 'ask', agent_name: 'refuser' }],
  });
  await createWorkflow(harness, {
    workflow_id: 'slow',
    name: 'Slow',
    steps: [{ id: 'nap', agent_name: 'sleeper' }],
  });
}, 120_000);

afterAll(async () => {
  await upstream?.disconnect();
  await stack?.close();
  await agent?.close();
}, 60_000);

const publish = (...messages: { key: string; value: string }[]) =>
  upstream.send({ topic: stack.topics.startRequests, messages });

/** Services write only valid records: one that does not decode fails the test. */
function decoded<T>(record: LogRecord, result: Result<T, WeftError>): T {
  if (!result.ok) throw new Error(`invalid record ${record.topic}@${record.offset}: ${result.error.message}`);
  return result.value;
}

function startCommands(where: (c: StartRun) => boolean): { command: StartRun; record: LogRecord }[] {
  return seen().flatMap((record) => {
    if (record.topic !== stack.topics.commands) return [];
    const command = decoded(record, decodeCommand(record.value));
    return command.type === 'StartRun' && where(command) ? [{ command, record }] : [];
  });
}

function eventsOf(runId: string): { event: RunEvent; record: LogRecord }[] {
  return seen()
    .filter((r) => r.topic === stack.topics.events && r.key === runId)
    .map((record) => ({ event: decoded(record, decodeEvent(record.value)), record }));
}

describe('distributed mode: each service its own process on Kafka and Postgres', () => {
  it('starts a run published on wf.start-requests; the same idempotency key twice starts one run', async () => {
    const request = {
      workflow_id: 'checkout',
      input: { order: { id: 'o-8', qty: 2, unit: 5 } },
      idempotency_key: 'order-o-8',
      correlation_id: 'corr-o-8',
    };
    await publish({ key: 'order-o-8', value: JSON.stringify(request) });
    await publish({ key: 'order-o-8', value: JSON.stringify(request) });
    const runId = uuidV5('checkout\norder-o-8');

    // The ingress accepted both publishes and named the same run in both commands…
    const commands = await waitFor(
      () => {
        const found = startCommands((c) => c.idempotency_key === 'order-o-8');
        return found.length === 2 ? found : undefined;
      },
      { timeoutMs: 30_000, message: 'the ingress did not turn both requests into commands' },
    );
    expect(commands.map((c) => c.command.run_id)).toEqual([runId, runId]);
    const run = await runUntilEnded(harness, runId);
    expect(run).toMatchObject({
      status: 'COMPLETED',
      idempotency_key: 'order-o-8',
      correlation_id: 'corr-o-8',
      output: { total: 10, gross: 15, label: 'ORDER O-8 COSTS 15' },
    });

    // …and once the scheduler's committed position is past the second command, the run has one
    // stream: one RunStarted, seq 1..8 without gaps or repeats.
    const second = commands[1]!.record;
    await waitFor(
      async () => {
        const [offsets] = await stack.admin.fetchOffsets({
          groupId: `${stack.prefix}step-scheduler`,
          topics: [stack.topics.commands],
        });
        const committed = offsets?.partitions.find((p) => p.partition === second.partition)?.offset;
        return committed !== undefined && Number(committed) > second.offset;
      },
      { timeoutMs: 30_000, message: 'the scheduler did not commit past the repeated start' },
    );
    const events = await waitFor(() => {
      const found = eventsOf(runId);
      return found.some((e) => e.event.type === 'RunCompleted') ? found : undefined;
    });
    expect(events.map((e) => e.event.type)).toEqual(CHECKOUT_EVENTS);
    expect(events.map((e) => e.event.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const listed = await stack.api.get('/runs?workflow_id=checkout&limit=1000');
    expect(listed.body.items.filter((r: { run_id: string }) => r.run_id === runId)).toHaveLength(1);
  });

  it('parks a malformed start request on wf.dead-letters with its reason and processes the next one', async () => {
    const malformed = '{"workflow_id": "checkout", "input": ';
    const unknown = JSON.stringify({ workflow_id: 'no-such-workflow', input: {} });
    const valid = JSON.stringify({
      workflow_id: 'checkout',
      input: { order: { id: 'o-9', qty: 1, unit: 7 } },
      correlation_id: 'after-malformed',
    });
    // One key, one partition: the valid request comes after the bad ones.
    await publish(
      { key: 'batch-c', value: malformed },
      { key: 'batch-c', value: unknown },
      { key: 'batch-c', value: valid },
    );

    const parked = await waitFor(
      () => {
        const found = seen().filter((r) => r.topic === stack.topics.deadLetters && r.key === 'batch-c');
        return found.length === 2 ? found : undefined;
      },
      { timeoutMs: 30_000, message: 'the bad requests were not dead-lettered' },
    );
    expect(parked.map((r) => r.value)).toEqual([malformed, unknown]);
    expect(parked[0]!.headers[HEADERS.deadLetterReason]).toMatch(/^INVALID_JSON: record is not JSON/);
    expect(parked[1]!.headers[HEADERS.deadLetterReason]).toBe(
      "UNKNOWN_WORKFLOW: workflow 'no-such-workflow' not found",
    );
    for (const record of parked) {
      expect(record.headers[HEADERS.deadLetterTopic]).toBe(stack.topics.startRequests);
      expect(record.headers[HEADERS.deadLetterOffset]).toMatch(/^\d+$/);
    }

    const [next] = await waitFor(
      () => {
        const found = startCommands((c) => c.correlation_id === 'after-malformed');
        return found.length === 1 ? found : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const run = await runUntilEnded(harness, next!.command.run_id);
    expect(run).toMatchObject({ status: 'COMPLETED', output: { label: 'ORDER O-9 COSTS 10.5' } });
  });

  it('lifecycle events on wf.events carry the correlation id of the start request', async () => {
    await publish(
      {
        key: 'corr-ok',
        value: JSON.stringify({
          workflow_id: 'checkout',
          input: { order: { id: 'o-10', qty: 1, unit: 1 } },
          correlation_id: 'corr-ok',
        }),
      },
      {
        key: 'corr-failed',
        value: JSON.stringify({ workflow_id: 'refused', input: {}, correlation_id: 'corr-failed' }),
      },
    );
    const lifecycle = async (correlationId: string, last: string) => {
      const [start] = await waitFor(
        () => {
          const found = startCommands((c) => c.correlation_id === correlationId);
          return found.length === 1 ? found : undefined;
        },
        { timeoutMs: 30_000 },
      );
      const events = await waitFor(
        () => {
          const found = eventsOf(start!.command.run_id);
          return found.some((e) => e.event.type === last) ? found : undefined;
        },
        { timeoutMs: 30_000, message: `no ${last} for ${correlationId}` },
      );
      return events;
    };

    const completed = await lifecycle('corr-ok', 'RunCompleted');
    const failed = await lifecycle('corr-failed', 'RunFailed');
    for (const [events, last, correlationId] of [
      [completed, 'RunCompleted', 'corr-ok'],
      [failed, 'RunFailed', 'corr-failed'],
    ] as const) {
      for (const type of ['RunStarted', last]) {
        const found = events.find((e) => e.event.type === type)!;
        expect(found.event.data, type).toMatchObject({ correlation_id: correlationId });
        expect(found.record.headers[HEADERS.runId]).toBe(found.event.run_id);
        expect(found.record.headers[HEADERS.contentType]).toBe('application/json');
      }
    }
  });

  it('the agent bridge finishes the call in flight on SIGTERM, reports it, commits, and exits 0', async () => {
    const started = await stack.api.post('/workflows/slow/runs', { input: { n: 1 } });
    expect(started.status).toBe(202);
    const runId: string = started.body.run_id;
    await waitFor(() => agent.inFlight('sleep') === 1, { timeoutMs: 30_000 });

    expect(await stack.instance('agent-bridge').kill('SIGTERM')).toBe(0);
    // The result of the call was reported before the bridge left: the run completes without it…
    expect(await runUntilEnded(harness, runId)).toMatchObject({ status: 'COMPLETED', output: { n: 1 } });
    expect(agent.callCount('sleep')).toBe(1);
    // …and its position is committed past the StepScheduled, so a new bridge does not call again.
    const scheduled = eventsOf(runId).find((e) => e.event.type === 'StepScheduled')!.record;
    const [offsets] = await stack.admin.fetchOffsets({
      groupId: `${stack.prefix}agent-bridge`,
      topics: [stack.topics.events],
    });
    const committed = offsets?.partitions.find((p) => p.partition === scheduled.partition)?.offset;
    expect(Number(committed)).toBeGreaterThan(scheduled.offset);
  });

  it('every service stops cleanly on SIGTERM: it finishes, leaves its group and exits 0', async () => {
    const codes = await Promise.all(
      SERVICES.map(async (service) => [service, await stack.instance(service).kill('SIGTERM')] as const),
    );
    expect(Object.fromEntries(codes)).toEqual(Object.fromEntries(SERVICES.map((s) => [s, 0])));
    for (const service of SERVICES) {
      const logs = stack.instance(service).logs();
      expect(
        logs.find((l) => l['msg'] === 'stopped'),
        service,
      ).toMatchObject({ clean: true });
      const fatal = logs.filter((l) => Number(l['level']) >= 60);
      expect(fatal, service).toEqual([]);
    }
  });
});
