import type { Insertable, Selectable } from 'kysely';
import type { CircuitBreakerEventsTable } from '../schema/database';
import type { Executor } from './executor';

export type CircuitBreakerEvent = Selectable<CircuitBreakerEventsTable>;
export type NewCircuitBreakerEvent = Omit<Insertable<CircuitBreakerEventsTable>, 'recorded_at'>;

/** Appends one transition of an agent's circuit. */
export async function insertCircuitBreakerEvent(
  db: Executor,
  event: NewCircuitBreakerEvent,
): Promise<CircuitBreakerEvent> {
  return db.insertInto('circuit_breaker_events').values(event).returningAll().executeTakeFirstOrThrow();
}

/** An agent's most recent transitions, newest first. */
export async function listCircuitBreakerEvents(
  db: Executor,
  agentName: string,
  limit: number,
): Promise<CircuitBreakerEvent[]> {
  return db
    .selectFrom('circuit_breaker_events')
    .selectAll()
    .where('agent_name', '=', agentName)
    .orderBy('occurred_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
