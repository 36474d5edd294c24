import { runIdFor } from '@weft/api';
import {
  startTcpProxy,
  startTestAgent,
  waitFor,
  type JsonClient,
  type TcpProxy,
  type TestAgent,
} from '@weft/testing';
import { AssignerProtocol, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDistributedStack, type DistributedStack } from './scenarios/distributed-stack';

/**
 * SPEC F5 in distributed mode: two agent-bridge processes share one circuit per agent in Redis.
 * Redis is reached through a TCP proxy the test takes down and brings back, to show the bridges
 * fail open while Redis is unreachable (runs still complete) and that the breakers work again
 * once it is back. Every service is its own process on the real Kafka, Postgres and Redis.
 */
const redis = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
/** Two partitions and two bridges: each bridge owns one partition of wf.events. */
const PARTITIONS = 2;
const RECOVERY_SECONDS = 2;

let stack: DistributedStack;
let agent: TestAgent;
let proxy: TcpProxy;
let api: JsonClient;

beforeAll(async () => {
  agent = await startTestAgent();
  proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  stack = await startDistributedStack({
    label: 'circuit',
    env: { KAFKA_PARTITIONS: String(PARTITIONS), REDIS_URL: `redis://127.0.0.1:${proxy.port}` },
  });
  await stack.start('agent-bridge', 'agent-bridge-2');
  api = stack.api;

  const registered = await api.post('/agents', {
    name: 'flaky',
    url: agent.url,
    method: 'work',
    timeout_seconds: 5,
    retry_config: { type: 'immediate', max_attempts: 1 },
    circuit_breaker_config: {
      failure_threshold: 3,
      recovery_timeout_seconds: RECOVERY_SECONDS,
      half_open_max_calls: 1,
    },
  });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const created = await api.post('/workflows', {
    workflow_id: 'one-call',
    name: 'One call',
    steps: [{ id: 'call', agent_name: 'flaky' }],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await proxy?.close();
  await agent?.close();
}, 60_000);

const partitionOf = Partitioners.DefaultPartitioner();
let runCounter = 0;

/**
 * Start a run whose id (derived from its idempotency key, as the API does) lands on `partition`
 * of wf.events, so the test knows which bridge handles it.
 */
async function startRunOn(partition: number): Promise<string> {
  const partitionMetadata = Array.from({ length: PARTITIONS }, (_, i) => ({
    partitionId: i,
    leader: 0,
    partitionErrorCode: 0,
    replicas: [0],
    isr: [0],
  }));
  for (;;) {
    const key = `${stack.prefix}${++runCounter}`;
    const runId = runIdFor('one-call', key, () => '');
    if (
      partitionOf({ topic: stack.topics.events, partitionMetadata, message: { key: runId, value: null } }) !==
      partition
    )
      continue;
    const res = await api.post('/workflows/one-call/runs', {
      input: { n: runCounter },
      idempotency_key: key,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.run_id).toBe(runId);
    return runId;
  }
}

interface RunView {
  status: string;
  error?: { kind: string; message: string };
}

async function finished(runId: string): Promise<RunView> {
  return waitFor(
    async () => {
      const res = await api.get(`/runs/${runId}`);
      const run = res.body as RunView;
      return res.status === 200 && ['COMPLETED', 'FAILED'].includes(run.status) ? run : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 50, message: `run ${runId} to finish` },
  );
}

const runOn = async (partition: number) => finished(await startRunOn(partition));

async function circuit(): Promise<{ status: number; state?: string }> {
  const res = await api.get('/agents/flaky/circuit');
  return { status: res.status, state: (res.body as { state?: string }).state };
}

describe('circuit breaker shared by two agent-bridge processes over Redis', () => {
  it('each bridge owns one partition of wf.events', async () => {
    const assigned = await waitFor(
      async () => {
        const {
          groups: [group],
        } = await stack.admin.describeGroups([`${stack.prefix}agent-bridge`]);
        const members = (group?.members ?? []).map(
          (m) =>
            AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment[stack.topics.events] ??
            [],
        );
        return members.length === 2 && members.every((p) => p.length === 1) ? members : undefined;
      },
      { timeoutMs: 30_000, message: 'both bridges in the group with a partition each' },
    );
    expect(assigned.flat().sort()).toEqual([0, 1]);
  });

  it('after the threshold neither bridge calls the failing agent; after the recovery timeout one probe goes through', async () => {
    agent.on('work', { kind: 'status', status: 503 });
    // Three consecutive failures through both bridges open the one shared circuit.
    for (const partition of [0, 1, 0]) expect((await runOn(partition)).error?.kind).toBe('http_503');
    expect(agent.calls('work')).toHaveLength(3);
    expect(await circuit()).toEqual({ status: 200, state: 'OPEN' });

    // Both bridges now fail attempts fast, without calling the agent.
    const refused = await Promise.all([0, 1, 0, 1].map(runOn));
    expect(refused.map((r) => r.error?.kind)).toEqual(Array(4).fill('circuit_open'));
    expect(agent.calls('work')).toHaveLength(3);

    // Healthy again; after the recovery timeout the next attempt is the one probe, and it closes.
    agent.on('work', { kind: 'echo' });
    await new Promise((resolve) => setTimeout(resolve, RECOVERY_SECONDS * 1000 + 200));
    expect((await runOn(1)).status).toBe('COMPLETED');
    expect(agent.calls('work')).toHaveLength(4);
    expect(await circuit()).toEqual({ status: 200, state: 'CLOSED' });
    const transitions = (await api.get('/agents/flaky/circuit')).body.recent_transitions as {
      from: string;
      to: string;
    }[];
    expect(transitions.map((t) => `${t.from}->${t.to}`).reverse()).toEqual(
      expect.arrayContaining(['CLOSED->OPEN', 'OPEN->HALF_OPEN', 'HALF_OPEN->CLOSED']),
    );
  });

  it('Redis stopped: runs still complete (the breaker fails open); Redis back: breakers work again', async () => {
    await proxy.stop();
    try {
      const during = await Promise.all([0, 1, 0, 1].map(runOn));
      expect(during.map((r) => r.status)).toEqual(Array(4).fill('COMPLETED'));
      expect((await circuit()).status).toBe(503);
      // The bridges that took those runs asked the breaker, could not reach it, and went ahead.
      const failOpen = ['agent-bridge', 'agent-bridge-2']
        .map((name) => stack.instance(name))
        .filter((p) => p.logs().some((l) => l['msg'] === 'circuit breaker unavailable; failing open'));
      expect(failOpen).toHaveLength(2);
    } finally {
      await proxy.start();
    }
    // Every process reconnects on its own (fail-fast client, reconnecting in the background).
    await waitFor(async () => (await circuit()).status === 200, {
      timeoutMs: 15_000,
      message: 'API sees Redis',
    });

    agent.on('work', { kind: 'status', status: 503 });
    const kinds: string[] = [];
    await waitFor(
      async () => {
        const run = await runOn(kinds.length % 2);
        kinds.push(run.error?.kind ?? run.status);
        return run.error?.kind === 'circuit_open';
      },
      { timeoutMs: 60_000, intervalMs: 1, message: 'the circuit to open again' },
    );
    // Until both bridges reconnect an attempt may go ahead uncounted; then three failures open it.
    expect(kinds.filter((k) => k === 'http_503').length).toBeGreaterThanOrEqual(3);
    expect(await circuit()).toEqual({ status: 200, state: 'OPEN' });
  });
});
