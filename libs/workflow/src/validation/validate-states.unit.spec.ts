import { describe, expect, it } from 'vitest';
import { codesAt, detailsOf } from '../fixtures/definitions';
import { orderLifecycle } from '../fixtures/state-machine';

describe('state machines', () => {
  it('requires initial_state to name a state', () => {
    expect(detailsOf({ ...orderLifecycle, initial_state: 'new' })).toEqual([
      {
        pointer: '/initial_state',
        code: 'unknown_state',
        message: 'no state is named "new" (known states: placed, paid, shipped, cancelled)',
      },
    ]);
  });

  it('requires every transition to name a state', () => {
    const def = structuredClone(orderLifecycle);
    def.states.paid.transitions[1]!.to = 'refunded';
    expect(codesAt(def)).toEqual([{ code: 'unknown_state', pointer: '/states/paid/transitions/1/to' }]);
  });

  it('refuses a non-terminal state without transitions', () => {
    const def = { ...orderLifecycle, states: { ...orderLifecycle.states, cancelled: { transitions: [] } } };
    expect(codesAt(def)).toEqual([{ code: 'dead_end_state', pointer: '/states/cancelled/transitions' }]);
  });

  it('applies the step checks to state actions', () => {
    const def = structuredClone(orderLifecycle);
    Object.assign(def.states.paid.action, { input_mapping: { x: '${nope.output}' } });
    Object.assign(def.states.paid.exit_action, { next_step: 'charge' });
    expect(codesAt(def, { knownAgents: new Set(['inventory', 'payments', 'shipper']) })).toEqual([
      { code: 'cross_scope_jump', pointer: '/states/paid/exit_action/next_step' },
      { code: 'unknown_agent', pointer: '/states/paid/exit_action/agent_name' },
      { code: 'unknown_reference', pointer: '/states/paid/action/input_mapping/x' },
    ]);
  });
});
