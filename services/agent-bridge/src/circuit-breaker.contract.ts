import type { KeyValueStore } from '@weft/kv';
import type { CircuitBreaker, CircuitBreakerConfig, CircuitPermit } from '@weft/resilience';
import { waitFor } from '@weft/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createKvCircuitBreaker } from './circuit-breaker';

/**
 * The circuit breaker contract (SPEC F5, STYLE 4): the kv breaker on every kv adapter gives the
 * same answers. Each adapter's spec calls it with a harness factory.
 *
 * Time: `advance(ms)` moves the memory store's clock; on Redis it does nothing and the suite polls
 * (with a deadline) until real time has passed, so recovery timeouts here are short (0.3 s).
 * No divergences between adapters are known.
 */
export interface CircuitBreakerHarness {
  /** A store on the test's keyspace: a new connection each call on Redis, the same store in memory. */
  openStore(): Promise<KeyValueStore>;
  /** The store's clock, epoch ms. */
  now(): number;
  advance(ms: number): void;
  /** Removes the test's keys and closes every store it opened. */
  dispose(): Promise<void>;
}

const RECOVERY_MS = 300;
const A = 'agent-a';

export function circuitBreakerContract(name: string, open: () => Promise<CircuitBreakerHarness>): void {
  async function setup(config: CircuitBreakerConfig = {}) {
    const h = await open();
    onTestFinished(() => h.dispose());
    const defaults = { recovery_timeout_seconds: RECOVERY_MS / 1000, ...config };
    const breakerOn = (kv: KeyValueStore) => createKvCircuitBreaker({ kv, defaults });
    const breaker = breakerOn(await h.openStore());
    return { h, breaker, peer: async () => breakerOn(await h.openStore()) };
  }

  async function fail(breaker: CircuitBreaker, times: number, agent = A) {
    const changes = [];
    for (let i = 0; i < times; i++) changes.push(await breaker.record(agent, false));
    return changes;
  }

  /** Lets the recovery timeout pass, then acquires until allowed. */
  async function acquireAfterRecovery(
    h: CircuitBreakerHarness,
    breaker: CircuitBreaker,
    agent = A,
  ): Promise<CircuitPermit> {
    h.advance(RECOVERY_MS);
    return waitFor(
      async () => {
        const permit = await breaker.acquire(agent);
        return permit.allowed ? permit : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 20, message: 'the circuit never let a probe through' },
    );
  }

  const near = (h: CircuitBreakerHarness) => (at: string) => Math.abs(Date.parse(at) - h.now()) < 5_000;

  describe(`circuit breaker contract: ${name}`, () => {
    it('starts CLOSED, lets calls through and stays CLOSED on successes', async () => {
      const { breaker } = await setup();
      expect(await breaker.state(A)).toEqual({
        state: 'CLOSED',
        consecutive_failures: 0,
        window_calls: 0,
        window_failures: 0,
        probes_in_flight: 0,
      });
      expect(await breaker.acquire(A)).toEqual({
        allowed: true,
        state: 'CLOSED',
        probe: false,
        retry_after_ms: 0,
      });
      for (let i = 0; i < 30; i++) expect(await breaker.record(A, true)).toEqual({ state: 'CLOSED' });
      expect(await breaker.state(A)).toMatchObject({ state: 'CLOSED', window_calls: 20, window_failures: 0 });
    });

    it('opens on failure_threshold consecutive failures; a success restarts the count', async () => {
      const { h, breaker } = await setup({ failure_threshold: 3, minimum_calls: 20 });
      await fail(breaker, 2);
      await breaker.record(A, true);
      const changes = await fail(breaker, 3);
      expect(changes.slice(0, 2)).toEqual([{ state: 'CLOSED' }, { state: 'CLOSED' }]);
      expect(changes[2]).toEqual({
        state: 'OPEN',
        transition: { from: 'CLOSED', to: 'OPEN', reason: 'failure_threshold', at: expect.any(String) },
      });
      expect(near(h)(changes[2]!.transition!.at)).toBe(true);
      const status = await breaker.state(A);
      expect(status).toMatchObject({
        state: 'OPEN',
        consecutive_failures: 3,
        window_calls: 6,
        window_failures: 5,
        opened_at: changes[2]!.transition!.at,
        changed_at: changes[2]!.transition!.at,
      });
    });

    it('fails fast while OPEN and ignores late results of calls let through before', async () => {
      const { breaker } = await setup({ failure_threshold: 2 });
      await fail(breaker, 2);
      const refused = await breaker.acquire(A);
      expect(refused).toMatchObject({ allowed: false, state: 'OPEN', probe: false });
      expect(refused.retry_after_ms).toBeGreaterThan(0);
      expect(refused.retry_after_ms).toBeLessThanOrEqual(RECOVERY_MS);
      expect(await breaker.record(A, true)).toEqual({ state: 'OPEN' });
      expect(await breaker.record(A, false)).toEqual({ state: 'OPEN' });
      expect(await breaker.state(A)).toMatchObject({
        state: 'OPEN',
        consecutive_failures: 2,
        window_calls: 2,
      });
    });

    it('does not open on failure rate below minimum_calls', async () => {
      const { breaker } = await setup({ failure_threshold: 10, window_size: 4, minimum_calls: 3 });
      expect(await fail(breaker, 2)).toEqual([{ state: 'CLOSED' }, { state: 'CLOSED' }]);
      const [third] = await fail(breaker, 1);
      expect(third?.transition).toMatchObject({ from: 'CLOSED', to: 'OPEN', reason: 'failure_rate' });
    });

    it('opens on the failure rate of a sliding window of the last window_size calls', async () => {
      const { breaker } = await setup({
        failure_threshold: 10,
        failure_rate_threshold: 0.75,
        window_size: 4,
        minimum_calls: 3,
      });
      // F S S F F: 2/4 once the first F slid out, where a growing count would say 3/5.
      for (const failed of [true, false, false, true, true])
        expect(await breaker.record(A, !failed)).toEqual({ state: 'CLOSED' });
      expect(await breaker.state(A)).toMatchObject({ window_calls: 4, window_failures: 2 });
      // S F F F: 3/4 = 0.75.
      const change = await breaker.record(A, false);
      expect(change.transition).toMatchObject({ from: 'CLOSED', to: 'OPEN', reason: 'failure_rate' });
      expect(await breaker.state(A)).toMatchObject({ state: 'OPEN', window_calls: 4, window_failures: 3 });
    });

    it('moves OPEN to HALF_OPEN after the recovery timeout and lets half_open_max_calls probes out', async () => {
      const { h, breaker } = await setup({ failure_threshold: 1, half_open_max_calls: 2 });
      await fail(breaker, 1);
      const first = await acquireAfterRecovery(h, breaker);
      expect(first).toEqual({
        allowed: true,
        state: 'HALF_OPEN',
        probe: true,
        retry_after_ms: 0,
        transition: { from: 'OPEN', to: 'HALF_OPEN', reason: 'recovery_timeout', at: expect.any(String) },
      });
      expect(near(h)(first.transition!.at)).toBe(true);
      expect(await breaker.acquire(A)).toEqual({
        allowed: true,
        state: 'HALF_OPEN',
        probe: true,
        retry_after_ms: 0,
      });
      const third = await breaker.acquire(A);
      expect(third).toMatchObject({ allowed: false, state: 'HALF_OPEN', probe: false });
      expect(third.retry_after_ms).toBeGreaterThan(0);
      expect(await breaker.state(A)).toMatchObject({ state: 'HALF_OPEN', probes_in_flight: 2 });
    });

    it('closes on a successful probe and starts from an empty window', async () => {
      const { h, breaker } = await setup({ failure_threshold: 2 });
      await fail(breaker, 2);
      await acquireAfterRecovery(h, breaker);
      const change = await breaker.record(A, true);
      expect(change).toEqual({
        state: 'CLOSED',
        transition: { from: 'HALF_OPEN', to: 'CLOSED', reason: 'probe_succeeded', at: expect.any(String) },
      });
      expect(await breaker.state(A)).toEqual({
        state: 'CLOSED',
        consecutive_failures: 0,
        window_calls: 0,
        window_failures: 0,
        probes_in_flight: 0,
        changed_at: change.transition!.at,
      });
      expect((await breaker.acquire(A)).allowed).toBe(true);
      // The count starts again: one failure does not reopen it.
      expect(await breaker.record(A, false)).toEqual({ state: 'CLOSED' });
    });

    it('reopens on a failed probe, for another full recovery timeout', async () => {
      const { h, breaker } = await setup({ failure_threshold: 1 });
      await fail(breaker, 1);
      await acquireAfterRecovery(h, breaker);
      const change = await breaker.record(A, false);
      expect(change).toEqual({
        state: 'OPEN',
        transition: { from: 'HALF_OPEN', to: 'OPEN', reason: 'probe_failed', at: expect.any(String) },
      });
      const refused = await breaker.acquire(A);
      expect(refused).toMatchObject({ allowed: false, state: 'OPEN' });
      expect(refused.retry_after_ms).toBeGreaterThan(0);
      const again = await acquireAfterRecovery(h, breaker);
      expect(again.transition).toMatchObject({ from: 'OPEN', to: 'HALF_OPEN', reason: 'recovery_timeout' });
    });

    it('presumes probes lost when none was granted for a recovery timeout', async () => {
      const { h, breaker } = await setup({ failure_threshold: 1 });
      await fail(breaker, 1);
      await acquireAfterRecovery(h, breaker); // this probe's result never comes
      expect((await breaker.acquire(A)).allowed).toBe(false);
      const next = await acquireAfterRecovery(h, breaker);
      expect(next).toEqual({ allowed: true, state: 'HALF_OPEN', probe: true, retry_after_ms: 0 });
      expect(await breaker.state(A)).toMatchObject({ probes_in_flight: 1 });
    });

    it('resets to CLOSED with a transition when it was not CLOSED, and forgets the counters', async () => {
      const { breaker } = await setup({ failure_threshold: 3 });
      await fail(breaker, 2);
      expect(await breaker.reset(A)).toEqual({ state: 'CLOSED' });
      expect(await breaker.state(A)).toMatchObject({ consecutive_failures: 0, window_calls: 0 });
      await fail(breaker, 3);
      const change = await breaker.reset(A);
      expect(change).toEqual({
        state: 'CLOSED',
        transition: { from: 'OPEN', to: 'CLOSED', reason: 'reset', at: expect.any(String) },
      });
      expect(await breaker.acquire(A)).toMatchObject({ allowed: true, state: 'CLOSED' });
      expect(await breaker.state(A)).toMatchObject({
        state: 'CLOSED',
        consecutive_failures: 0,
        window_calls: 0,
      });
      // A full threshold is needed again.
      expect((await fail(breaker, 2)).every((c) => c.state === 'CLOSED')).toBe(true);
    });

    it('keeps one circuit per agent, each with its own config', async () => {
      const h = await open();
      onTestFinished(() => h.dispose());
      const breaker = createKvCircuitBreaker({
        kv: await h.openStore(),
        defaults: { failure_threshold: 5 },
        configFor: async (agent) => (agent === 'fragile' ? { failure_threshold: 1 } : undefined),
      });
      expect((await breaker.record('fragile', false)).state).toBe('OPEN');
      expect((await fail(breaker, 4, 'sturdy')).every((c) => c.state === 'CLOSED')).toBe(true);
      expect((await breaker.acquire('sturdy')).allowed).toBe(true);
      expect((await breaker.acquire('fragile')).allowed).toBe(false);
      expect((await breaker.record('sturdy', false)).state).toBe('OPEN');
    });

    it('applies 20 concurrent records from two instances atomically: one transition, no lost update', async () => {
      const { breaker, peer } = await setup({ failure_threshold: 5, minimum_calls: 20 });
      const other = await peer();
      const changes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? breaker : other).record(A, false)),
      );
      expect(changes.filter((c) => c.transition !== undefined)).toEqual([
        {
          state: 'OPEN',
          transition: { from: 'CLOSED', to: 'OPEN', reason: 'failure_threshold', at: expect.any(String) },
        },
      ]);
      // Exactly the five failures before the circuit opened count; later ones hit an OPEN circuit.
      expect(await breaker.state(A)).toMatchObject({
        state: 'OPEN',
        consecutive_failures: 5,
        window_calls: 5,
      });
    });

    it('grants exactly half_open_max_calls probes to 20 concurrent acquires', async () => {
      const { h, breaker, peer } = await setup({ failure_threshold: 1, half_open_max_calls: 3 });
      const other = await peer();
      await fail(breaker, 1);
      // Wait out the timeout (with a margin) without acquiring, then race.
      h.advance(RECOVERY_MS + 50);
      await waitFor(
        async () => {
          const status = await breaker.state(A);
          return Date.parse(status.opened_at ?? '') + RECOVERY_MS + 50 <= h.now();
        },
        { timeoutMs: 5_000, intervalMs: 20 },
      );
      const permits = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? breaker : other).acquire(A)),
      );
      expect(permits.filter((p) => p.allowed)).toHaveLength(3);
      expect(permits.filter((p) => p.transition !== undefined)).toHaveLength(1);
      expect(await breaker.state(A)).toMatchObject({ state: 'HALF_OPEN', probes_in_flight: 3 });
    });
  });
}
