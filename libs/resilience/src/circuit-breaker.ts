import { WeftError } from '@weft/contracts';

/**
 * SPEC F5: a circuit breaker per agent. This module holds the configuration and the breaker's
 * interface; the pure state machine is `circuit-breaker.machine.ts`, the shared (Redis / memory)
 * implementation over the kv port lives in the agent bridge (a pure lib may not import the port).
 */

/** An agent's `circuit_breaker_config`: every field optional, defaults in `DEFAULT_CIRCUIT_BREAKER`. */
export interface CircuitBreakerConfig {
  readonly failure_threshold?: number;
  readonly failure_rate_threshold?: number;
  readonly window_size?: number;
  readonly minimum_calls?: number;
  readonly recovery_timeout_seconds?: number;
  readonly half_open_max_calls?: number;
}

/**
 * The defaults, field by field:
 * - `failure_threshold` 5: this many failures in a row open the circuit.
 * - `failure_rate_threshold` 0.5: so does a share of failures at or above this, over the window…
 * - `window_size` 20: …of the last 20 calls (a sliding window of outcomes)…
 * - `minimum_calls` 10: …once the window holds at least 10 calls (a cold window never trips on
 *   rate; capped at `window_size`, or the rate rule could never apply).
 * - `recovery_timeout_seconds` 30: how long OPEN fails fast before letting probes through.
 * - `half_open_max_calls` 1: probes out at once in HALF_OPEN; the first result decides.
 */
export const DEFAULT_CIRCUIT_BREAKER: Readonly<Required<CircuitBreakerConfig>> = Object.freeze({
  failure_threshold: 5,
  failure_rate_threshold: 0.5,
  window_size: 20,
  minimum_calls: 10,
  recovery_timeout_seconds: 30,
  half_open_max_calls: 1,
});

/**
 * An agent's breaker settings: its config over the defaults, field by field. Configs are validated
 * at the API (the agent schema); a value out of range here is a bug: `VALIDATION_FAILED` thrown.
 * `recovery_timeout_seconds` may be fractional (the API accepts whole seconds; tests use less).
 */
export function effectiveCircuitBreaker(
  ...configs: readonly (CircuitBreakerConfig | undefined | null)[]
): Readonly<Required<CircuitBreakerConfig>> {
  const merged: { -readonly [K in keyof CircuitBreakerConfig]-?: number } = { ...DEFAULT_CIRCUIT_BREAKER };
  for (const config of configs) {
    if (!config) continue;
    for (const key of Object.keys(DEFAULT_CIRCUIT_BREAKER) as (keyof CircuitBreakerConfig)[]) {
      const value = config[key];
      if (value !== undefined) merged[key] = value;
    }
  }
  const positiveInts = ['failure_threshold', 'window_size', 'minimum_calls', 'half_open_max_calls'] as const;
  for (const key of positiveInts) {
    if (!Number.isSafeInteger(merged[key]) || merged[key] < 1) throw invalid(key, merged[key]);
  }
  const rate = merged.failure_rate_threshold;
  if (!(rate > 0 && rate <= 1)) throw invalid('failure_rate_threshold', rate);
  const recovery = merged.recovery_timeout_seconds;
  if (!(Number.isFinite(recovery) && recovery > 0)) throw invalid('recovery_timeout_seconds', recovery);
  merged.minimum_calls = Math.min(merged.minimum_calls, merged.window_size);
  return Object.freeze(merged);
}

function invalid(field: string, value: number): WeftError {
  return new WeftError('VALIDATION_FAILED', `circuit breaker ${field} out of range: ${value}`);
}

export const CIRCUIT_STATES = ['CLOSED', 'OPEN', 'HALF_OPEN'] as const;
export type CircuitState = (typeof CIRCUIT_STATES)[number];

/**
 * Why a circuit changed state: `failure_threshold` (consecutive failures) and `failure_rate` open
 * a CLOSED circuit; `recovery_timeout` moves OPEN to HALF_OPEN; a probe's result closes
 * (`probe_succeeded`) or reopens (`probe_failed`) it; `reset` is an operator closing it by hand.
 */
export const CIRCUIT_TRANSITION_REASONS = [
  'failure_threshold',
  'failure_rate',
  'recovery_timeout',
  'probe_succeeded',
  'probe_failed',
  'reset',
] as const;
export type CircuitTransitionReason = (typeof CIRCUIT_TRANSITION_REASONS)[number];

export interface CircuitTransition {
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: CircuitTransitionReason;
  /** ISO timestamp, on the breaker's clock (Redis server time for the shared breaker). */
  readonly at: string;
}

/** The answer to "may I call this agent now?". */
export interface CircuitPermit {
  readonly allowed: boolean;
  /** The state after the decision (OPEN → HALF_OPEN happens here). */
  readonly state: CircuitState;
  /** The call is a HALF_OPEN probe: its result closes or reopens the circuit. */
  readonly probe: boolean;
  /** When not allowed: ms until a probe may go through. */
  readonly retry_after_ms?: number;
  readonly transition?: CircuitTransition;
}

export interface CircuitChange {
  readonly state: CircuitState;
  readonly transition?: CircuitTransition;
}

/** What the API shows for one agent's circuit. */
export interface CircuitStatus {
  readonly state: CircuitState;
  readonly consecutive_failures: number;
  /** Outcomes in the sliding window (at most `window_size`), and how many of them failed. */
  readonly window_calls: number;
  readonly window_failures: number;
  /** HALF_OPEN probes granted and not yet recorded. */
  readonly probes_in_flight: number;
  /** When the circuit last opened (while OPEN or HALF_OPEN). */
  readonly opened_at?: string;
  /** When the circuit last changed state. */
  readonly changed_at?: string;
}

/**
 * One breaker per agent name, shared by every bridge instance. Transitions happen inside
 * `acquire` (OPEN → HALF_OPEN) and `record` (every other one) and `reset`, atomically.
 * Methods reject (`UNAVAILABLE`) when the shared state cannot be reached: callers fail open.
 */
export interface CircuitBreaker {
  /** CLOSED: allowed. OPEN: refused until the recovery timeout, then a probe. HALF_OPEN: probes only. */
  acquire(agent: string): Promise<CircuitPermit>;
  /** The outcome of a call that was allowed (`success`: the agent behaved, see `isCircuitFailure`). */
  record(agent: string, success: boolean): Promise<CircuitChange>;
  /** Reads the state; an OPEN circuit whose recovery timeout is over still reads OPEN until acquired. */
  state(agent: string): Promise<CircuitStatus>;
  /** Closes the circuit and forgets its counters. */
  reset(agent: string): Promise<CircuitChange>;
}
