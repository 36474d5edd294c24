import { randomUUID } from 'node:crypto';
import { silentLogger, topicNames, type RunEvent, type Topics } from '@weft/contracts';
import { openEmbeddedEventLog, type EventLog, type LogRecord } from '@weft/eventlog';
import { createMemoryKv, openRedisKv } from '@weft/kv';
import { CircuitStateChangedSchema, type CircuitBreaker } from '@weft/resilience';
import {
  insertAgent,
  listCircuitBreakerEvents,
  migrateToLatest,
  openPgliteStore,
  toJsonText,
  type Store,
} from '@weft/store';
import { sql } from 'kysely';
import { freePort, startTestAgent, waitFor, type TestAgent } from '@weft/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { createAgentBridge, type AgentBridge } from './agent-bridge';
import type { AgentEndpoint } from './agent-directory';
import { createKvCircuitBreaker } from './circuit-breaker';
import { createCircuitGuard } from './circuit-guard';
import { storeCircuitBreakerConfigs } from './store-circuit-configs';
import { storeCircuitTransitions } from './store-circuit-transitions';

const RUN = '00000000-0000-4000-8000-0000000000aa';

// One database for the file (PGlite takes seconds to start); each test gets fresh topics.
let store: Store;
let log: EventLog;
let topics: Topics;
let testNumber = 0;

beforeAll(async () => {
  store = await openPgliteStore();
  await migrateToLatest(store.db);
  log = await openEmbeddedEventLog({ db: store.db, idlePollMs: 50 });
});
afterAll(async () => {
  await log.close();
  await store.close();
});
beforeEach(() => {
  topics = topicNames(`c${++testNumber}.`);
});

async function failingAgent(): Promise<{
  agent: TestAgent;
  name: string;
  directory: (n: string) => Promise<AgentEndpoint | undefined>;
}> {
  const agent = await startTestAgent();
  onTestFinished(() => agent.close());
  agent.on('execute', { kind: 'status', status: 503 });
  const name = `agent-${testNumber}`;
  const endpoint = { name, url: agent.url, method: 'execute', timeout_seconds: 5, headers: {} };
  return { agent, name, directory: async (n) => (n === name ? endpoint : undefined) };
}

async function startBridge(
  options: Omit<Parameters<typeof createAgentBridge>[0], 'log' | 'topics'>,
): Promise<AgentBridge> {
  // One call at a time, so the attempts meet the breaker in order.
  const bridge = createAgentBridge({
    log,
    topics,
    maxInFlight: 1,
    groupId: `bridge-${randomUUID()}`,
    ...options,
  });
  await bridge.start();
  onTestFinished(() => bridge.stop());
  return bridge;
}

async function schedule(agentName: string, attempts: number): Promise<void> {
  const events: RunEvent[] = Array.from({ length: attempts }, (_, i) => ({
    run_id: RUN,
    seq: i + 1,
    recorded_at: '2026-01-01T00:00:00.000Z',
    type: 'StepScheduled',
    step_path: `s${i}`,
    data: {
      step_id: `s${i}`,
      step_type: 'agent',
      attempt: 1,
      invocation_id: `inv-${i}`,
      agent_name: agentName,
      input: {},
    },
  }));
  await log.produce(events.map((e) => ({ topic: topics.events, key: RUN, value: JSON.stringify(e) })));
}

async function read(topic: string, count: number): Promise<LogRecord[]> {
  const seen: LogRecord[] = [];
  const handle = await log.consume({ groupId: `reader-${randomUUID()}`, topics: [topic] }, async (b) => {
    seen.push(...b.records);
  });
  try {
    await waitFor(() => seen.length >= count, {
      timeoutMs: 10_000,
      message: `${topic}: ${seen.length}/${count}`,
    });
  } finally {
    await handle.stop();
  }
  return seen;
}

/** A real breaker whose calls are counted. */
function counted(breaker: CircuitBreaker): CircuitBreaker & { acquired: number; recorded: number } {
  const c = {
    acquired: 0,
    recorded: 0,
    acquire: (agent: string) => {
      c.acquired++;
      return breaker.acquire(agent);
    },
    record: (agent: string, success: boolean) => {
      c.recorded++;
      return breaker.record(agent, success);
    },
    state: (agent: string) => breaker.state(agent),
    reset: (agent: string) => breaker.reset(agent),
  };
  return c;
}

const errorKinds = (records: readonly LogRecord[]) =>
  records
    .map((r) => JSON.parse(r.value))
    .sort((a, b) => a.step_path.localeCompare(b.step_path))
    .map((c) => c.outcome.error?.kind);

describe('agent bridge with a circuit breaker', () => {
  it('fails attempts fast with circuit_open once the circuit opens, and records the transition', async () => {
    const { agent, name, directory } = await failingAgent();
    const breaker = createKvCircuitBreaker({ kv: createMemoryKv(), defaults: { failure_threshold: 2 } });
    const bridge = await startBridge({
      agents: directory,
      breaker,
      onTransition: storeCircuitTransitions(store.db),
    });

    await schedule(name, 4);
    const reports = await read(topics.commands, 4);
    expect(errorKinds(reports)).toEqual(['http_503', 'http_503', 'circuit_open', 'circuit_open']);
    expect(JSON.parse(reports[3]!.value).outcome.error.message).toMatch(
      /circuit of agent '.*' is OPEN; next probe in \d+ ms/,
    );
    expect(agent.callCount()).toBe(2);
    expect(bridge.circuit).toEqual({ failOpen: 0, rejected: 2, transitions: 1, unpublished: 0 });

    const [event] = await read(topics.agentEvents, 1);
    expect(event!.key).toBe(name);
    const changed = CircuitStateChangedSchema.parse(JSON.parse(event!.value));
    expect(changed).toMatchObject({
      type: 'CircuitStateChanged',
      agent_name: name,
      from: 'CLOSED',
      to: 'OPEN',
      reason: 'failure_threshold',
    });
    expect(await listCircuitBreakerEvents(store.db, name, 10)).toEqual([
      expect.objectContaining({
        agent_name: name,
        from_state: 'CLOSED',
        to_state: 'OPEN',
        reason: 'failure_threshold',
        occurred_at: changed.at,
      }),
    ]);
  });

  it('counts JSON-RPC errors as the agent answering: they never open the circuit', async () => {
    const { agent, name, directory } = await failingAgent();
    agent.on('execute', { kind: 'jsonrpc_error', code: -32000, message: 'no' });
    const breaker = createKvCircuitBreaker({ kv: createMemoryKv(), defaults: { failure_threshold: 1 } });
    const bridge = await startBridge({ agents: directory, breaker });
    await schedule(name, 3);
    expect(errorKinds(await read(topics.commands, 3))).toEqual([
      'jsonrpc_-32000',
      'jsonrpc_-32000',
      'jsonrpc_-32000',
    ]);
    expect(agent.callCount()).toBe(3);
    expect(bridge.circuit.transitions).toBe(0);
  });

  it('fails open when the breaker store is unreachable: the agent is called and the bridge keeps working', async () => {
    const { agent, name, directory } = await failingAgent();
    const kv = await openRedisKv({ url: `redis://127.0.0.1:${await freePort()}`, connectTimeoutMs: 200 });
    onTestFinished(() => kv.close());
    const breaker: CircuitBreaker = createKvCircuitBreaker({ kv, defaults: { failure_threshold: 1 } });
    const bridge = await startBridge({ agents: directory, breaker });
    await schedule(name, 3);
    expect(errorKinds(await read(topics.commands, 3))).toEqual(['http_503', 'http_503', 'http_503']);
    expect(agent.callCount()).toBe(3);
    expect(bridge.circuit.failOpen).toBe(3);
    expect(bridge.circuit.rejected).toBe(0);
  });

  it("reads each agent's circuit_breaker_config from the registry; a broken one falls back to the defaults", async () => {
    await insertAgent(store.db, {
      name: `strict-${testNumber}`,
      url: 'http://127.0.0.1:1/rpc',
      circuit_breaker_config: { failure_threshold: 1 },
    });
    await insertAgent(store.db, { name: `broken-${testNumber}`, url: 'http://127.0.0.1:1/rpc' });
    await sql`update agents set circuit_breaker_config = ${toJsonText({ failure_threshold: -1 })}::jsonb
      where name = ${`broken-${testNumber}`}`.execute(store.db);
    const configFor = storeCircuitBreakerConfigs(store.db, { ttlMs: 0 });
    expect(await configFor(`strict-${testNumber}`)).toEqual({ failure_threshold: 1 });
    expect(await configFor(`broken-${testNumber}`)).toBeUndefined();
    expect(await configFor('nobody')).toBeUndefined();

    const breaker = createKvCircuitBreaker({ kv: createMemoryKv(), configFor });
    expect((await breaker.record(`strict-${testNumber}`, false)).state).toBe('OPEN');
    expect((await breaker.record(`broken-${testNumber}`, false)).state).toBe('CLOSED');
  });
});

describe('trusting a CLOSED circuit after a recorded success (AGENT_CIRCUIT_TRUST_MS)', () => {
  const ok = { ok: true as const, durationMs: 1, result: {} };
  const failed = { ok: false as const, durationMs: 1, error: { kind: 'http_503', message: '503' } };

  function guards(kvBreaker: CircuitBreaker, trustMs = 250) {
    let clock = 0;
    const make = () =>
      createCircuitGuard({
        breaker: kvBreaker,
        log,
        topics,
        logger: silentLogger,
        closedTrustMs: trustMs,
        clock: () => clock,
      });
    return { make, advance: (ms: number) => (clock += ms) };
  }

  it('admits without asking the breaker within the trust after a success; asks again once it is over', async () => {
    const breaker = counted(createKvCircuitBreaker({ kv: createMemoryKv() }));
    const { make, advance } = guards(breaker);
    const guard = make();
    expect(await guard.admit('a')).toEqual({ call: true, counted: true });
    expect(breaker.acquired).toBe(1);
    await guard.settle('a', ok);
    for (let i = 0; i < 3; i++) {
      expect(await guard.admit('a')).toEqual({ call: true, counted: true });
      await guard.settle('a', ok);
      advance(200);
    }
    // Each success renewed the trust; every outcome was recorded.
    expect(breaker.acquired).toBe(1);
    expect(breaker.recorded).toBe(4);
    advance(100);
    await guard.admit('a');
    expect(breaker.acquired).toBe(2);
    // Per agent: another agent is asked.
    await guard.admit('b');
    expect(breaker.acquired).toBe(3);
  });

  it('a failure ends the trust at once, even while the circuit stays CLOSED', async () => {
    const breaker = counted(
      createKvCircuitBreaker({ kv: createMemoryKv(), defaults: { failure_threshold: 5 } }),
    );
    const guard = guards(breaker).make();
    await guard.admit('a');
    await guard.settle('a', ok);
    await guard.admit('a');
    expect(breaker.acquired).toBe(1);
    await guard.settle('a', failed);
    expect((await breaker.state('a')).state).toBe('CLOSED');
    await guard.admit('a');
    expect(breaker.acquired).toBe(2);
  });

  it('a circuit another instance opened stops this one at its next recorded outcome or when the trust ends', async () => {
    const shared = createKvCircuitBreaker({ kv: createMemoryKv(), defaults: { failure_threshold: 2 } });
    const { make, advance } = guards(shared);
    const mine = make();
    const other = make();
    await mine.admit('a');
    await mine.settle('a', ok);
    for (let i = 0; i < 2; i++) {
      await other.admit('a');
      await other.settle('a', failed);
    }
    expect((await shared.state('a')).state).toBe('OPEN');
    // Still trusted: the call goes ahead (at most the trust's length after the circuit opened) ...
    expect(await mine.admit('a')).toEqual({ call: true, counted: true });
    // ... and its outcome, recorded into the OPEN circuit, ends the trust: the next one is refused.
    await mine.settle('a', ok);
    expect(await mine.admit('a')).toMatchObject({ call: false, error: { kind: 'circuit_open' } });

    // Without an outcome in between, the trust running out does the same.
    const late = make();
    await shared.reset('a');
    await late.admit('a');
    await late.settle('a', ok);
    for (let i = 0; i < 2; i++) {
      await other.admit('a');
      await other.settle('a', failed);
    }
    expect(await late.admit('a')).toEqual({ call: true, counted: true });
    advance(250);
    expect(await late.admit('a')).toMatchObject({ call: false, error: { kind: 'circuit_open' } });
  });

  it('with a trust of 0 every call asks the breaker', async () => {
    const breaker = counted(createKvCircuitBreaker({ kv: createMemoryKv() }));
    const guard = guards(breaker, 0).make();
    for (let i = 0; i < 3; i++) {
      await guard.admit('a');
      await guard.settle('a', ok);
    }
    expect(breaker.acquired).toBe(3);
  });

  it('the bridge asks the breaker once for a healthy agent and records every outcome', async () => {
    const { agent, name, directory } = await failingAgent();
    agent.on('execute', { kind: 'echo' });
    const breaker = counted(createKvCircuitBreaker({ kv: createMemoryKv() }));
    await startBridge({ agents: directory, breaker });
    await schedule(name, 5);
    expect(errorKinds(await read(topics.commands, 5))).toEqual(Array(5).fill(undefined));
    expect(agent.callCount()).toBe(5);
    await waitFor(() => breaker.recorded === 5, { timeoutMs: 5_000, message: 'five outcomes recorded' });
    expect(breaker.acquired).toBe(1);
  });

  it("reports a call's result without waiting for the breaker to record its outcome", async () => {
    const { agent, name, directory } = await failingAgent();
    agent.on('execute', { kind: 'echo' });
    const breaker = counted(createKvCircuitBreaker({ kv: createMemoryKv() }));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const record = breaker.record;
    breaker.record = async (agentName, success) => {
      const change = await record(agentName, success);
      await held;
      return change;
    };
    const bridge = await startBridge({ agents: directory, breaker });
    await schedule(name, 1);
    // The result is on the log while the breaker still holds the outcome.
    expect(errorKinds(await read(topics.commands, 1))).toEqual([undefined]);
    expect(breaker.recorded).toBe(1);
    expect(bridge.inFlight).toBe(1);
    release();
    await waitFor(() => bridge.inFlight === 0, { timeoutMs: 5_000, message: 'the call done' });
  });
});
