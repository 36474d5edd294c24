import type { CircuitStateChanged } from '@weft/resilience';
import { insertCircuitBreakerEvent, type Database } from '@weft/store';
import type { Kysely } from 'kysely';
import type { CircuitTransitionSink } from './circuit-guard';

/** The bridge's `onTransition`: every circuit transition as a `circuit_breaker_events` row. */
export function storeCircuitTransitions(db: Kysely<Database>): CircuitTransitionSink {
  return async (event: CircuitStateChanged) => {
    await insertCircuitBreakerEvent(db, {
      agent_name: event.agent_name,
      from_state: event.from,
      to_state: event.to,
      reason: event.reason,
      occurred_at: event.at,
    });
  };
}
