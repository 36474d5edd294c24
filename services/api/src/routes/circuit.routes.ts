import type { Topics } from '@weft/contracts';
import type { EventLog } from '@weft/eventlog';
import {
  circuitEventRecord,
  circuitStateChanged,
  effectiveCircuitBreaker,
  type CircuitBreaker,
} from '@weft/resilience';
import {
  getAgent,
  insertCircuitBreakerEvent,
  listCircuitBreakerEvents,
  type CircuitBreakerEvent,
  type Database,
} from '@weft/store';
import { CircuitBreakerConfigSchema } from '@weft/workflow';
import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { notFound } from '../http-errors';

export interface CircuitRoutesDeps {
  /** The breaker the agent bridges share (Redis in production). */
  readonly breaker: Pick<CircuitBreaker, 'state' | 'reset'>;
  readonly db: Kysely<Database>;
  /** With both, a reset's transition is also appended to the agent-events topic. */
  readonly log?: Pick<EventLog, 'produce'>;
  readonly topics?: Pick<Topics, 'agentEvents'>;
}

/** Transitions shown with an agent's circuit. */
export const RECENT_TRANSITIONS = 20;

const transitionResource = (e: CircuitBreakerEvent) => ({
  from: e.from_state,
  to: e.to_state,
  reason: e.reason,
  at: e.occurred_at,
});

/**
 * SPEC F5 over HTTP: `GET /agents/{name}/circuit` (state, counters, effective config, recent
 * transitions) and `POST /agents/{name}/circuit/reset`. Unknown agents are 404; a breaker store
 * that cannot be reached is the kv's `UNAVAILABLE` (503).
 */
export function circuitRoutes(deps: CircuitRoutesDeps): Hono {
  const app = new Hono();

  async function requireAgent(name: string) {
    const row = await getAgent(deps.db, name);
    if (!row) throw notFound(`agent '${name}'`);
    return row;
  }

  app.get('/agents/:name/circuit', async (c) => {
    const name = c.req.param('name');
    const agent = await requireAgent(name);
    const own = CircuitBreakerConfigSchema.safeParse(agent.circuit_breaker_config ?? {});
    const [status, recent] = await Promise.all([
      deps.breaker.state(name),
      listCircuitBreakerEvents(deps.db, name, RECENT_TRANSITIONS),
    ]);
    return c.json({
      agent_name: name,
      ...status,
      config: effectiveCircuitBreaker(own.success ? own.data : undefined),
      recent_transitions: recent.map(transitionResource),
    });
  });

  app.post('/agents/:name/circuit/reset', async (c) => {
    const name = c.req.param('name');
    await requireAgent(name);
    const change = await deps.breaker.reset(name);
    if (change.transition) {
      const event = circuitStateChanged(name, change.transition);
      await insertCircuitBreakerEvent(deps.db, {
        agent_name: name,
        from_state: event.from,
        to_state: event.to,
        reason: event.reason,
        occurred_at: event.at,
      });
      if (deps.log && deps.topics)
        await deps.log.produce([circuitEventRecord(deps.topics.agentEvents, event)]);
    }
    return c.json({ agent_name: name, state: change.state, transition: change.transition ?? null });
  });

  return app;
}
