import { randomUUID } from 'node:crypto';
import { openRedisKv, type KeyValueStore } from '@weft/kv';
import { isCircuitFailure, type CircuitBreaker } from '@weft/resilience';
import { startTestAgent, waitFor, type TestAgent } from '@weft/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createKvCircuitBreaker } from './circuit-breaker';
import { callAgent } from './jsonrpc-client';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const AGENT = 'flaky';

/**
 * SPEC F5 across processes: two bridge instances, each with its own Redis connection, share one
 * breaker per agent. Each "bridge" does what the agent bridge does per attempt: acquire, call the
 * agent over HTTP only when allowed, record the outcome.
 */
async function setup() {
  const keyPrefix = `weft-test:circuit-bridges:${randomUUID()}:`;
  const stores: KeyValueStore[] = [];
  onTestFinished(async () => {
    const cleaner = await openRedisKv({ url: REDIS_URL, keyPrefix });
    await cleaner.deleteByPrefix('');
    await Promise.all([cleaner, ...stores].map((s) => s.close()));
  });
  const bridge = async () => {
    const kv = await openRedisKv({ url: REDIS_URL, keyPrefix });
    stores.push(kv);
    return createKvCircuitBreaker({
      kv,
      defaults: { failure_threshold: 3, recovery_timeout_seconds: 1, half_open_max_calls: 1 },
    });
  };
  const agent = await startTestAgent();
  onTestFinished(() => agent.close());
  agent.on('execute', { kind: 'status', status: 503 });
  return { bridges: [await bridge(), await bridge()] as const, agent };
}

/** One attempt as the bridge makes it; resolves whether the agent was called. */
async function attempt(breaker: CircuitBreaker, agent: TestAgent): Promise<boolean> {
  const permit = await breaker.acquire(AGENT);
  if (!permit.allowed) return false;
  const outcome = await callAgent({
    url: agent.url,
    method: 'execute',
    params: {},
    invocationId: randomUUID(),
    timeoutMs: 2_000,
  });
  await breaker.record(AGENT, outcome.ok || !isCircuitFailure(outcome.error.kind));
  return true;
}

/** Polls until the shared circuit has been OPEN for the recovery timeout (plus a margin). */
async function recoveryElapsed(breaker: CircuitBreaker): Promise<void> {
  await waitFor(
    async () => {
      const { state, opened_at } = await breaker.state(AGENT);
      return state === 'OPEN' && Date.parse(opened_at ?? '') + 1_050 <= Date.now();
    },
    { timeoutMs: 5_000, intervalMs: 25, message: 'the circuit never reached its recovery timeout' },
  );
}

describe('circuit breaker shared by two bridge instances (Redis)', () => {
  it('stops both bridges calling a failing agent, then lets exactly one probe through', async () => {
    const { bridges, agent } = await setup();
    const [one, two] = bridges;

    // Alternate between the instances: the third failure, wherever it happens, opens the circuit.
    const called = [];
    for (let i = 0; i < 10; i++) called.push(await attempt(i % 2 === 0 ? one : two, agent));
    expect(called).toEqual([true, true, true, false, false, false, false, false, false, false]);
    expect(agent.callCount()).toBe(3);
    expect((await one.state(AGENT)).state).toBe('OPEN');
    expect((await two.state(AGENT)).state).toBe('OPEN');

    // After the recovery timeout, both instances race: one probe in total reaches the agent.
    await recoveryElapsed(one);
    const raced = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt(bridges[i % 2]!, agent)));
    expect(raced.filter(Boolean)).toHaveLength(1);
    expect(agent.callCount()).toBe(4);
    // The probe failed (503): OPEN again, and neither instance calls.
    expect((await two.state(AGENT)).state).toBe('OPEN');
    expect(await attempt(one, agent)).toBe(false);
    expect(await attempt(two, agent)).toBe(false);
    expect(agent.callCount()).toBe(4);

    // The agent recovers: the next probe closes the circuit for both instances.
    agent.on('execute', { kind: 'echo' });
    await recoveryElapsed(two);
    expect(await attempt(two, agent)).toBe(true);
    expect((await one.state(AGENT)).state).toBe('CLOSED');
    expect(await attempt(one, agent)).toBe(true);
    expect(await attempt(two, agent)).toBe(true);
    expect(agent.callCount()).toBe(7);
  });
});
