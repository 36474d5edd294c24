import type { KeyValueStore } from '@weft/kv';
import {
  circuitLimits,
  effectiveCircuitBreaker,
  type CircuitBreaker,
  type CircuitBreakerConfig,
  type CircuitChange,
  type CircuitStatus,
  type CircuitTransition,
  type MachineTransition,
} from '@weft/resilience';
import {
  circuitAcquireScript,
  circuitRecordScript,
  circuitResetScript,
  circuitStatusScript,
  scriptArgs,
  type ChangeReply,
} from './circuit-breaker.scripts';

export interface KvCircuitBreakerOptions {
  /** Redis (shared by every bridge instance) or memory (one process). */
  readonly kv: KeyValueStore;
  /** Settings under every agent's own config. Default `DEFAULT_CIRCUIT_BREAKER`. */
  readonly defaults?: CircuitBreakerConfig;
  /** An agent's own `circuit_breaker_config` (from the registry); `undefined` for the defaults. */
  readonly configFor?: (
    agent: string,
  ) => CircuitBreakerConfig | undefined | Promise<CircuitBreakerConfig | undefined>;
  /** Prefix of the breaker's keys inside the store. Default `circuit:`. */
  readonly keyPrefix?: string;
}

/** Keys of an idle circuit expire after this (or twice the recovery timeout, if longer). */
export const CIRCUIT_IDLE_TTL_MS = 24 * 3_600_000;

/**
 * SPEC F5: one breaker per agent over the kv port, every transition an atomic script (Lua on
 * Redis with the Redis server clock, so several bridge instances share one breaker per agent).
 * Rejects with the kv's `UNAVAILABLE` when the store is unreachable: callers fail open.
 */
export function createKvCircuitBreaker(options: KvCircuitBreakerOptions): CircuitBreaker {
  const { kv } = options;
  const prefix = options.keyPrefix ?? 'circuit:';
  // The hash tag `{agent}` keeps both keys of an agent in one Redis Cluster slot.
  const keys = (agent: string) => [`${prefix}{${agent}}:state`, `${prefix}{${agent}}:window`];

  async function argsFor(agent: string, ...extra: string[]): Promise<string[]> {
    const own = await options.configFor?.(agent);
    const limits = circuitLimits(effectiveCircuitBreaker(options.defaults, own));
    return scriptArgs(limits, Math.max(CIRCUIT_IDLE_TTL_MS, 2 * limits.recovery_ms), ...extra);
  }

  return {
    async acquire(agent) {
      const reply = await kv.atomic(circuitAcquireScript, keys(agent), await argsFor(agent));
      const { transition, ...permit } = reply;
      return transition ? { ...permit, transition: toTransition(transition) } : permit;
    },
    async record(agent, success) {
      const args = await argsFor(agent, success ? 'S' : 'F');
      return toChange(await kv.atomic(circuitRecordScript, keys(agent), args));
    },
    async state(agent): Promise<CircuitStatus> {
      const s = await kv.atomic(circuitStatusScript, keys(agent), await argsFor(agent));
      return {
        state: s.state,
        consecutive_failures: s.consecutive_failures,
        window_calls: s.window_calls,
        window_failures: s.window_failures,
        probes_in_flight: s.state === 'HALF_OPEN' ? s.probes : 0,
        ...(s.opened_at_ms === undefined || s.state === 'CLOSED' ? {} : { opened_at: iso(s.opened_at_ms) }),
        ...(s.changed_at_ms === undefined ? {} : { changed_at: iso(s.changed_at_ms) }),
      };
    },
    async reset(agent) {
      return toChange(await kv.atomic(circuitResetScript, keys(agent), await argsFor(agent)));
    },
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

function toTransition(t: MachineTransition): CircuitTransition {
  return { from: t.from, to: t.to, reason: t.reason, at: iso(t.at_ms) };
}

function toChange(reply: ChangeReply): CircuitChange {
  return reply.transition
    ? { state: reply.state, transition: toTransition(reply.transition) }
    : { state: reply.state };
}
