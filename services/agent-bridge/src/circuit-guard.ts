import { isWeftError, type Logger, type Topics } from '@weft/contracts';
import type { EventLog } from '@weft/eventlog';
import {
  circuitEventRecord,
  circuitStateChanged,
  isCircuitFailure,
  type CircuitBreaker,
  type CircuitStateChanged,
  type CircuitTransition,
} from '@weft/resilience';
import type { AgentErrorInfo, AgentOutcome } from './jsonrpc-client';

/** What the bridge needs of a breaker. */
export type AgentCircuitBreaker = Pick<CircuitBreaker, 'acquire' | 'record'>;

/** Where a transition goes besides the agent-events topic (the `circuit_breaker_events` table). */
export type CircuitTransitionSink = (event: CircuitStateChanged) => Promise<void>;

export interface CircuitGuardStats {
  /** Breaker calls that failed (store unreachable): the agent was called anyway, or its result not counted. */
  readonly failOpen: number;
  /** Calls failed fast with `circuit_open`. */
  readonly rejected: number;
  /** Transitions this instance caused. */
  readonly transitions: number;
  /** Transitions whose event or row could not be written (logged). */
  readonly unpublished: number;
}

/** Whether to call the agent: `counted` calls report their outcome to the breaker afterwards. */
export type Admission =
  | { readonly call: true; readonly counted: boolean }
  | { readonly call: false; readonly error: AgentErrorInfo };

export interface CircuitGuard {
  /**
   * Asks the breaker whether to call, unless this instance recorded a success into the agent's
   * CLOSED circuit within `closedTrustMs` (then the call goes ahead, counted, without a round trip).
   */
  admit(agent: string): Promise<Admission>;
  /** Reports a counted call's outcome. Never throws. */
  settle(agent: string, outcome: AgentOutcome): Promise<void>;
  readonly stats: CircuitGuardStats;
}

export interface CircuitGuardOptions {
  readonly breaker: AgentCircuitBreaker;
  readonly log: Pick<EventLog, 'produce'>;
  readonly topics: Pick<Topics, 'agentEvents'>;
  readonly logger: Logger;
  readonly onTransition?: CircuitTransitionSink;
  /**
   * How long a success this instance recorded into a CLOSED circuit lets it admit calls to that
   * agent without asking the shared breaker (default `DEFAULT_CLOSED_TRUST_MS`; 0: ask for every
   * call). Every recorded outcome still goes to the breaker, and its reply renews or ends the
   * trust: a failure, or a reply that is not CLOSED, ends it at once. So another instance opening
   * the circuit stops this one's calls within this time, or at its next recorded outcome if sooner.
   */
  readonly closedTrustMs?: number;
  /** Monotonic milliseconds, for the trust. Default `performance.now`. */
  readonly clock?: () => number;
}

/** See `CircuitGuardOptions.closedTrustMs`. */
export const DEFAULT_CLOSED_TRUST_MS = 250;

/**
 * The breaker as the bridge uses it (SPEC F5). It never fails a call for its own sake: when the
 * breaker cannot answer (Redis down: the kv rejects with UNAVAILABLE) the call goes ahead
 * uncounted (fail open), logged once per outage and counted in `stats.failOpen`. Every transition
 * is appended to the agent-events topic and handed to `onTransition`; a failure there is logged and
 * counted, not retried (the transition itself is already applied in the shared state).
 */
export function createCircuitGuard(options: CircuitGuardOptions): CircuitGuard {
  const { breaker, log, topics, logger } = options;
  const stats = { failOpen: 0, rejected: 0, transitions: 0, unpublished: 0 };
  const trustMs = options.closedTrustMs ?? DEFAULT_CLOSED_TRUST_MS;
  const clock = options.clock ?? (() => performance.now());
  /** Agent → until when its circuit is taken as CLOSED without asking (see `closedTrustMs`). */
  const trustedUntil = new Map<string, number>();
  let down = false;

  function failedOpen(error: unknown, agent: string, operation: string): void {
    stats.failOpen++;
    if (!isWeftError(error) || error.code !== 'UNAVAILABLE') {
      // Not an outage: a bug (a script or config error). Still never fail the call for it.
      logger.error({ err: error, agent_name: agent, operation }, 'circuit breaker failed; failing open');
      return;
    }
    if (!down)
      logger.warn({ err: error, agent_name: agent, operation }, 'circuit breaker unavailable; failing open');
    down = true;
  }

  function reachable(): void {
    if (down) logger.info({}, 'circuit breaker reachable again');
    down = false;
  }

  async function publish(agent: string, transition: CircuitTransition | undefined): Promise<void> {
    if (transition === undefined) return;
    stats.transitions++;
    const event = circuitStateChanged(agent, transition);
    logger.info({ ...event }, `circuit of agent '${agent}' ${transition.from} → ${transition.to}`);
    const results = await Promise.allSettled([
      log.produce([circuitEventRecord(topics.agentEvents, event)]),
      options.onTransition?.(event),
    ]);
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length > 0) {
      stats.unpublished++;
      logger.error({ err: failed[0]?.reason, event }, 'circuit transition not recorded');
    }
  }

  return {
    async admit(agent) {
      const until = trustedUntil.get(agent);
      if (until !== undefined) {
        if (clock() < until) return { call: true, counted: true };
        trustedUntil.delete(agent);
      }
      let permit;
      try {
        permit = await breaker.acquire(agent);
        reachable();
      } catch (error) {
        failedOpen(error, agent, 'acquire');
        return { call: true, counted: false };
      }
      await publish(agent, permit.transition);
      if (permit.allowed) return { call: true, counted: true };
      stats.rejected++;
      const wait = permit.retry_after_ms === undefined ? '' : `; next probe in ${permit.retry_after_ms} ms`;
      return {
        call: false,
        error: { kind: 'circuit_open', message: `circuit of agent '${agent}' is ${permit.state}${wait}` },
      };
    },
    async settle(agent, outcome) {
      const success = outcome.ok || !isCircuitFailure(outcome.error.kind);
      let change;
      try {
        change = await breaker.record(agent, success);
        reachable();
      } catch (error) {
        trustedUntil.delete(agent);
        failedOpen(error, agent, 'record');
        return;
      }
      if (success && change.state === 'CLOSED' && trustMs > 0) trustedUntil.set(agent, clock() + trustMs);
      else trustedUntil.delete(agent);
      await publish(agent, change.transition);
    },
    get stats() {
      return { ...stats };
    },
  };
}
