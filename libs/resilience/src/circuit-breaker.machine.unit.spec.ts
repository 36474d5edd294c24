import { describe, expect, it } from 'vitest';
import { DEFAULT_CIRCUIT_BREAKER, effectiveCircuitBreaker } from './circuit-breaker';
import {
  CIRCUIT_TRANSITIONS,
  circuitLimits,
  circuitTransition,
  decideAcquire,
  decideRecord,
  decideReset,
  PRISTINE_CIRCUIT,
  type CircuitSnapshot,
} from './circuit-breaker.machine';
import { isCircuitFailure } from './circuit-failure';

const T = 1_000_000;
const limits = circuitLimits(
  effectiveCircuitBreaker({
    failure_threshold: 3,
    window_size: 4,
    minimum_calls: 4,
    recovery_timeout_seconds: 10,
  }),
);

/** Records outcomes in turn (true = failed) from `s`, returning the last decision. */
function recordAll(s: CircuitSnapshot, outcomes: readonly boolean[]) {
  let decision = { next: s } as ReturnType<typeof decideRecord>;
  for (const failed of outcomes) decision = decideRecord(decision.next, failed, limits, T);
  return decision;
}

const open: CircuitSnapshot = { ...PRISTINE_CIRCUIT, state: 'OPEN', opened_at_ms: T, changed_at_ms: T };

describe('circuit breaker config (F5)', () => {
  it('merges configs over the documented defaults, field by field', () => {
    expect(DEFAULT_CIRCUIT_BREAKER).toEqual({
      failure_threshold: 5,
      failure_rate_threshold: 0.5,
      window_size: 20,
      minimum_calls: 10,
      recovery_timeout_seconds: 30,
      half_open_max_calls: 1,
    });
    expect(effectiveCircuitBreaker(null, { failure_threshold: 2 }, { window_size: 8 })).toMatchObject({
      failure_threshold: 2,
      window_size: 8,
      minimum_calls: 8, // capped at the window
      recovery_timeout_seconds: 30,
    });
  });

  it('rejects values out of range', () => {
    expect(() => effectiveCircuitBreaker({ failure_rate_threshold: 0 })).toThrow(/failure_rate_threshold/);
    expect(() => effectiveCircuitBreaker({ window_size: 1.5 })).toThrow(/window_size/);
    expect(() => effectiveCircuitBreaker({ recovery_timeout_seconds: -1 })).toThrow(/recovery_timeout/);
  });
});

describe('circuit breaker machine (F5)', () => {
  it('only moves along the transition table', () => {
    expect(circuitTransition('CLOSED', 'failure_rate', T)).toEqual({
      from: 'CLOSED',
      to: 'OPEN',
      reason: 'failure_rate',
      at_ms: T,
    });
    expect(() => circuitTransition('CLOSED', 'reset', T)).toThrow(/reset cannot leave CLOSED/);
    expect(() => circuitTransition('OPEN', 'probe_failed', T)).toThrow();
    expect(CIRCUIT_TRANSITIONS.recovery_timeout).toEqual({ from: ['OPEN'], to: 'HALF_OPEN' });
  });

  it('opens on consecutive failures, and on the failure rate once minimum_calls are in the window', () => {
    expect(recordAll(PRISTINE_CIRCUIT, [true, true]).transition).toBeUndefined();
    expect(recordAll(PRISTINE_CIRCUIT, [true, true, true]).transition?.reason).toBe('failure_threshold');
    expect(recordAll(PRISTINE_CIRCUIT, [true, false, true]).transition).toBeUndefined(); // 3 < minimum_calls
    const byRate = recordAll(PRISTINE_CIRCUIT, [true, false, true, false]);
    expect(byRate.transition).toEqual({ from: 'CLOSED', to: 'OPEN', reason: 'failure_rate', at_ms: T });
    expect(byRate.next).toMatchObject({ state: 'OPEN', opened_at_ms: T, window: ['F', 'S', 'F', 'S'] });
  });

  it('keeps the last window_size outcomes only', () => {
    const d = recordAll(PRISTINE_CIRCUIT, [true, false, false, false, false]);
    expect(d.next.window).toEqual(['S', 'S', 'S', 'S']);
    expect(d.next.consecutive_failures).toBe(0);
  });

  it('refuses while OPEN, then turns HALF_OPEN with this call as the first probe', () => {
    const early = decideAcquire(open, limits, T + 9_999);
    expect(early).toEqual({ allowed: false, probe: false, retry_after_ms: 1, next: open });
    const probe = decideAcquire(open, limits, T + 10_000);
    expect(probe).toMatchObject({
      allowed: true,
      probe: true,
      next: { state: 'HALF_OPEN', probes: 1, probe_at_ms: T + 10_000 },
      transition: { from: 'OPEN', to: 'HALF_OPEN', reason: 'recovery_timeout' },
    });
    expect(decideAcquire(probe.next, limits, T + 10_001)).toMatchObject({
      allowed: false,
      retry_after_ms: 9_999,
    });
    // The probe never reported: after another recovery timeout its slot is free again.
    expect(decideAcquire(probe.next, limits, T + 20_000)).toMatchObject({
      allowed: true,
      next: { probes: 1 },
    });
  });

  it('closes on a probe success (clearing the window) and reopens on a probe failure', () => {
    const halfOpen: CircuitSnapshot = { ...open, state: 'HALF_OPEN', probes: 1, window: ['F', 'F'] };
    expect(decideRecord(halfOpen, false, limits, T + 5)).toEqual({
      next: { ...PRISTINE_CIRCUIT, changed_at_ms: T + 5 },
      transition: { from: 'HALF_OPEN', to: 'CLOSED', reason: 'probe_succeeded', at_ms: T + 5 },
    });
    expect(decideRecord(halfOpen, true, limits, T + 5)).toMatchObject({
      next: { state: 'OPEN', opened_at_ms: T + 5, probes: 0 },
      transition: { reason: 'probe_failed' },
    });
  });

  it('ignores results while OPEN, and reset closes from anywhere', () => {
    expect(decideRecord(open, true, limits, T + 1).next).toBe(open);
    expect(decideReset(open, T + 1).transition).toMatchObject({
      from: 'OPEN',
      to: 'CLOSED',
      reason: 'reset',
    });
    expect(decideReset(recordAll(PRISTINE_CIRCUIT, [true]).next, T)).toEqual({ next: PRISTINE_CIRCUIT });
  });
});

describe('what counts as a circuit failure', () => {
  it('counts no answer, 5xx, 429 and malformed answers; not 4xx or JSON-RPC errors', () => {
    for (const kind of ['timeout', 'connection', 'http_500', 'http_503', 'http_429', 'invalid_response'])
      expect(isCircuitFailure(kind)).toBe(true);
    for (const kind of [
      'http_400',
      'http_404',
      'jsonrpc_-32601',
      'jsonrpc_-32000',
      'unknown_agent',
      'http_5xx',
    ])
      expect(isCircuitFailure(kind)).toBe(false);
  });
});
