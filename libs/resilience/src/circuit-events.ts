import { HEADERS } from '@weft/contracts';
import { z } from 'zod';
import { CIRCUIT_STATES, CIRCUIT_TRANSITION_REASONS, type CircuitTransition } from './circuit-breaker';

/**
 * `CircuitStateChanged` on the agent-events topic (`wf.agent-events`, keyed by agent name): one
 * record per transition of an agent's circuit (SPEC F5 "every transition is an event").
 */
export const CircuitStateChangedSchema = z.strictObject({
  type: z.literal('CircuitStateChanged'),
  agent_name: z.string().min(1),
  from: z.enum(CIRCUIT_STATES),
  to: z.enum(CIRCUIT_STATES),
  reason: z.enum(CIRCUIT_TRANSITION_REASONS),
  at: z.iso.datetime({ offset: true }),
});
export type CircuitStateChanged = z.infer<typeof CircuitStateChangedSchema>;

export function circuitStateChanged(agentName: string, transition: CircuitTransition): CircuitStateChanged {
  return { type: 'CircuitStateChanged', agent_name: agentName, ...transition };
}

/** The record to append for `event` (the shape of the event log's `OutgoingRecord`). */
export function circuitEventRecord(topic: string, event: CircuitStateChanged) {
  return {
    topic,
    key: event.agent_name,
    value: JSON.stringify(event),
    headers: { [HEADERS.contentType]: 'application/json' },
  };
}
