import { WeftError } from '@weft/contracts';
import type { CircuitBreakerConfig, CircuitState, CircuitTransitionReason } from './circuit-breaker';

/**
 * The circuit breaker as a pure state machine (STYLE 11): what is stored per agent, and what
 * `acquire`, `record` and `reset` decide from it at a given instant. The shared breaker runs the
 * same decisions atomically in Redis (Lua) and in memory (these functions); a contract suite
 * proves the two agree. Time is an argument: the caller's clock (Redis server time when shared).
 */

/** One call's outcome in the sliding window: `S` success, `F` failure (as stored in Redis). */
export type CircuitOutcome = 'S' | 'F';

/** The stored state of one agent's circuit. */
export interface CircuitSnapshot {
  readonly state: CircuitState;
  readonly consecutive_failures: number;
  /** The last `window_size` outcomes while CLOSED, oldest first; kept while OPEN, cleared on closing. */
  readonly window: readonly CircuitOutcome[];
  /** HALF_OPEN probes granted and not yet recorded. */
  readonly probes: number;
  /** Epoch ms when the circuit last opened. */
  readonly opened_at_ms?: number;
  /** Epoch ms when the last probe was granted. */
  readonly probe_at_ms?: number;
  /** Epoch ms of the last transition. */
  readonly changed_at_ms?: number;
}

/** A circuit never used (or reset): what an absent key reads as. */
export const PRISTINE_CIRCUIT: CircuitSnapshot = Object.freeze({
  state: 'CLOSED',
  consecutive_failures: 0,
  window: Object.freeze([]) as readonly CircuitOutcome[],
  probes: 0,
});

/** The effective config in the units the machine works in. */
export interface CircuitLimits {
  readonly failure_threshold: number;
  readonly failure_rate_threshold: number;
  readonly window_size: number;
  readonly minimum_calls: number;
  readonly recovery_ms: number;
  readonly half_open_max_calls: number;
}

export function circuitLimits(config: Readonly<Required<CircuitBreakerConfig>>): CircuitLimits {
  return {
    failure_threshold: config.failure_threshold,
    failure_rate_threshold: config.failure_rate_threshold,
    window_size: config.window_size,
    minimum_calls: Math.min(config.minimum_calls, config.window_size),
    recovery_ms: Math.max(1, Math.round(config.recovery_timeout_seconds * 1000)),
    half_open_max_calls: config.half_open_max_calls,
  };
}

/**
 * The transition table: every reason, the states it may leave and the state it enters. Nothing
 * else moves a circuit.
 */
export const CIRCUIT_TRANSITIONS: Readonly<
  Record<CircuitTransitionReason, { readonly from: readonly CircuitState[]; readonly to: CircuitState }>
> = Object.freeze({
  failure_threshold: { from: ['CLOSED'], to: 'OPEN' },
  failure_rate: { from: ['CLOSED'], to: 'OPEN' },
  recovery_timeout: { from: ['OPEN'], to: 'HALF_OPEN' },
  probe_succeeded: { from: ['HALF_OPEN'], to: 'CLOSED' },
  probe_failed: { from: ['HALF_OPEN'], to: 'OPEN' },
  reset: { from: ['OPEN', 'HALF_OPEN'], to: 'CLOSED' },
});

export interface MachineTransition {
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: CircuitTransitionReason;
  readonly at_ms: number;
}

/** The table's transition for `reason` out of `from`; anything not in the table is a bug. */
export function circuitTransition(
  from: CircuitState,
  reason: CircuitTransitionReason,
  atMs: number,
): MachineTransition {
  const rule = CIRCUIT_TRANSITIONS[reason];
  if (!rule.from.includes(from)) {
    throw new WeftError('ILLEGAL_STATE', `circuit transition ${reason} cannot leave ${from}`);
  }
  return { from, to: rule.to, reason, at_ms: atMs };
}

export interface AcquireDecision {
  readonly allowed: boolean;
  readonly probe: boolean;
  /** 0 when allowed. */
  readonly retry_after_ms: number;
  /** The snapshot to store; the very same object when nothing changes. */
  readonly next: CircuitSnapshot;
  readonly transition?: MachineTransition;
}

/**
 * CLOSED: allowed. OPEN: refused until `recovery_ms` after it opened, then HALF_OPEN and this call
 * is the first probe. HALF_OPEN: a probe while fewer than `half_open_max_calls` are out. A probe
 * whose result never comes (its bridge died) would hold its slot forever, so when every slot is
 * taken and no probe was granted for `recovery_ms`, the outstanding probes count as lost.
 */
export function decideAcquire(s: CircuitSnapshot, limits: CircuitLimits, nowMs: number): AcquireDecision {
  if (s.state === 'CLOSED') return { allowed: true, probe: false, retry_after_ms: 0, next: s };
  if (s.state === 'OPEN') {
    const waited = nowMs - (s.opened_at_ms ?? 0);
    if (waited < limits.recovery_ms) {
      return { allowed: false, probe: false, retry_after_ms: limits.recovery_ms - waited, next: s };
    }
    const transition = circuitTransition('OPEN', 'recovery_timeout', nowMs);
    return {
      allowed: true,
      probe: true,
      retry_after_ms: 0,
      next: { ...s, state: transition.to, probes: 1, probe_at_ms: nowMs, changed_at_ms: nowMs },
      transition,
    };
  }
  const since = nowMs - (s.probe_at_ms ?? 0);
  const full = s.probes >= limits.half_open_max_calls;
  if (full && since < limits.recovery_ms) {
    return { allowed: false, probe: false, retry_after_ms: limits.recovery_ms - since, next: s };
  }
  const out = full ? 0 : s.probes;
  return {
    allowed: true,
    probe: true,
    retry_after_ms: 0,
    next: { ...s, probes: out + 1, probe_at_ms: nowMs },
  };
}

export interface ChangeDecision {
  /** The snapshot to store; the very same object when nothing changes. */
  readonly next: CircuitSnapshot;
  readonly transition?: MachineTransition;
}

/**
 * CLOSED: the outcome joins the window (the oldest drops out past `window_size`) and the
 * consecutive-failure count; the circuit opens when that count reaches `failure_threshold`, or when
 * the window holds `minimum_calls` or more and its failure share reaches `failure_rate_threshold`
 * (checked after every call, so a success that brings the window to `minimum_calls` may open it).
 * HALF_OPEN: any result decides (a success closes and clears the window, a failure reopens).
 * OPEN: a late result of a call let through before the circuit opened changes nothing.
 */
export function decideRecord(
  s: CircuitSnapshot,
  failed: boolean,
  limits: CircuitLimits,
  nowMs: number,
): ChangeDecision {
  if (s.state === 'OPEN') return { next: s };
  if (s.state === 'HALF_OPEN') {
    if (failed) {
      const transition = circuitTransition('HALF_OPEN', 'probe_failed', nowMs);
      return {
        next: {
          ...s,
          state: transition.to,
          consecutive_failures: s.consecutive_failures + 1,
          probes: 0,
          opened_at_ms: nowMs,
          changed_at_ms: nowMs,
        },
        transition,
      };
    }
    const transition = circuitTransition('HALF_OPEN', 'probe_succeeded', nowMs);
    return { next: { ...PRISTINE_CIRCUIT, state: transition.to, changed_at_ms: nowMs }, transition };
  }
  const window = [...s.window, failed ? 'F' : 'S'].slice(-limits.window_size) as CircuitOutcome[];
  const consecutive = failed ? s.consecutive_failures + 1 : 0;
  const failures = window.filter((o) => o === 'F').length;
  const counted = { ...s, window, consecutive_failures: consecutive };
  let reason: CircuitTransitionReason | undefined;
  if (consecutive >= limits.failure_threshold) reason = 'failure_threshold';
  else if (window.length >= limits.minimum_calls && failures / window.length >= limits.failure_rate_threshold)
    reason = 'failure_rate';
  if (reason === undefined) return { next: counted };
  const transition = circuitTransition('CLOSED', reason, nowMs);
  return {
    next: { ...counted, state: transition.to, probes: 0, opened_at_ms: nowMs, changed_at_ms: nowMs },
    transition,
  };
}

/** Closes the circuit and forgets its window and counters; a transition only if it was not CLOSED. */
export function decideReset(s: CircuitSnapshot, nowMs: number): ChangeDecision {
  if (s.state === 'CLOSED') return { next: PRISTINE_CIRCUIT };
  const transition = circuitTransition(s.state, 'reset', nowMs);
  return { next: { ...PRISTINE_CIRCUIT, changed_at_ms: nowMs }, transition };
}
