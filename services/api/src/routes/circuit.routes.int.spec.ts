import { createKvCircuitBreaker, storeCircuitTransitions } from '@weft/agent-bridge';
import { WeftError } from '@weft/contracts';
import type { OutgoingRecord } from '@weft/eventlog';
import { createMemoryKv, openRedisKv } from '@weft/kv';
import { circuitStateChanged, type CircuitBreaker } from '@weft/resilience';
import {
  insertAgent,
  listCircuitBreakerEvents,
  migrateToLatest,
  openPgliteStore,
  type Store,
} from '@weft/store';
import { freePort } from '@weft/testing';
import { Hono } from 'hono';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { errorResponse } from '../http-errors';
import { circuitRoutes, type CircuitRoutesDeps } from './circuit.routes';

let store: Store;
beforeAll(async () => {
  store = await openPgliteStore();
  await migrateToLatest(store.db);
});
afterAll(() => store.close());
beforeEach(async () => {
  await sql`truncate agents, circuit_breaker_events`.execute(store.db);
  await insertAgent(store.db, {
    name: 'fragile',
    url: 'http://127.0.0.1:1/rpc',
    circuit_breaker_config: { failure_threshold: 2 },
  });
});

/** The routes under /api/v1 with the API's error envelope, as `createApp` mounts them. */
function app(breaker: CircuitBreaker, extra: Partial<CircuitRoutesDeps> = {}) {
  const root = new Hono();
  root.onError((e, c) => {
    if (e instanceof WeftError) return errorResponse(c, e);
    throw e;
  });
  root.route('/api/v1', circuitRoutes({ breaker, db: store.db, ...extra }));
  return root;
}

function memoryBreaker(): CircuitBreaker {
  return createKvCircuitBreaker({
    kv: createMemoryKv(),
    configFor: (agent) => (agent === 'fragile' ? { failure_threshold: 2 } : undefined),
  });
}

/** Opens the agent's circuit as the bridge would, its transition written to the table. */
async function trip(breaker: CircuitBreaker, agent = 'fragile'): Promise<void> {
  const sink = storeCircuitTransitions(store.db);
  for (let i = 0; i < 2; i++) {
    const { transition } = await breaker.record(agent, false);
    if (transition) await sink(circuitStateChanged(agent, transition));
  }
}

describe('circuit routes (F5)', () => {
  it('shows an agent circuit: state, counters, effective config and recent transitions', async () => {
    const breaker = memoryBreaker();
    const fresh = await app(breaker).request('/api/v1/agents/fragile/circuit');
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toEqual({
      agent_name: 'fragile',
      state: 'CLOSED',
      consecutive_failures: 0,
      window_calls: 0,
      window_failures: 0,
      probes_in_flight: 0,
      config: {
        failure_threshold: 2,
        failure_rate_threshold: 0.5,
        window_size: 20,
        minimum_calls: 10,
        recovery_timeout_seconds: 30,
        half_open_max_calls: 1,
      },
      recent_transitions: [],
    });

    await trip(breaker);
    const body: any = await (await app(breaker).request('/api/v1/agents/fragile/circuit')).json();
    expect(body).toMatchObject({
      state: 'OPEN',
      consecutive_failures: 2,
      window_calls: 2,
      window_failures: 2,
    });
    expect(body.recent_transitions).toEqual([
      { from: 'CLOSED', to: 'OPEN', reason: 'failure_threshold', at: body.opened_at },
    ]);
  });

  it('resets a circuit: CLOSED, the transition in the table and on the agent-events topic', async () => {
    const breaker = memoryBreaker();
    await trip(breaker);
    const produced: OutgoingRecord[] = [];
    const routes = app(breaker, {
      log: { produce: async (records) => void produced.push(...records) },
      topics: { agentEvents: 'wf.agent-events' },
    });
    const res = await routes.request('/api/v1/agents/fragile/circuit/reset', { method: 'POST' });
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body).toEqual({
      agent_name: 'fragile',
      state: 'CLOSED',
      transition: { from: 'OPEN', to: 'CLOSED', reason: 'reset', at: expect.any(String) },
    });
    expect((await breaker.acquire('fragile')).allowed).toBe(true);
    const rows = await listCircuitBreakerEvents(store.db, 'fragile', 10);
    expect(rows.map((r) => [r.from_state, r.to_state, r.reason])).toEqual([
      ['OPEN', 'CLOSED', 'reset'],
      ['CLOSED', 'OPEN', 'failure_threshold'],
    ]);
    expect(produced).toHaveLength(1);
    expect(produced[0]).toMatchObject({ topic: 'wf.agent-events', key: 'fragile' });
    expect(JSON.parse(produced[0]!.value!)).toEqual({
      type: 'CircuitStateChanged',
      agent_name: 'fragile',
      ...body.transition,
    });

    // A CLOSED circuit resets without a transition.
    const again: any = await (
      await routes.request('/api/v1/agents/fragile/circuit/reset', { method: 'POST' })
    ).json();
    expect(again).toEqual({ agent_name: 'fragile', state: 'CLOSED', transition: null });
    expect(produced).toHaveLength(1);
  });

  it('answers 404 for an unknown agent, and 503 when the breaker store is unreachable', async () => {
    const breaker = memoryBreaker();
    for (const [path, method] of [
      ['/api/v1/agents/nobody/circuit', 'GET'],
      ['/api/v1/agents/nobody/circuit/reset', 'POST'],
    ] as const) {
      const res = await app(breaker).request(path, { method });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
    const kv = await openRedisKv({ url: `redis://127.0.0.1:${await freePort()}`, connectTimeoutMs: 200 });
    onTestFinished(() => kv.close());
    const down = await app(createKvCircuitBreaker({ kv })).request('/api/v1/agents/fragile/circuit');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ error: { code: 'UNAVAILABLE' } });
  });
});
