import { pointerToken } from '@weft/contracts';
import type { StateMachineDefinition } from '../definition.schema';
import { PROTOTYPE_STEP_IDS } from '../identifiers';
import { detail, type ValidationDetail } from './validation-detail';

/**
 * A state machine starts in a state it defines, its transitions go to states it defines, and a
 * state that is not terminal has a way out.
 */
export function checkStates(def: StateMachineDefinition): ValidationDetail[] {
  const errors: ValidationDetail[] = [];
  const names = new Set(Object.keys(def.states));
  const known = `known states: ${[...names].join(', ')}`;
  if (!names.has(def.initial_state)) {
    errors.push(
      detail('/initial_state', 'unknown_state', `no state is named "${def.initial_state}" (${known})`),
    );
  }
  for (const [name, state] of Object.entries(def.states)) {
    const pointer = `/states/${pointerToken(name)}`;
    if (PROTOTYPE_STEP_IDS.has(name)) {
      errors.push(
        detail(pointer, 'reserved_id', `"${name}" is reserved: it names an object prototype property`),
      );
    }
    state.transitions.forEach((transition, i) => {
      if (!names.has(transition.to)) {
        errors.push(
          detail(
            `${pointer}/transitions/${i}/to`,
            'unknown_state',
            `no state is named "${transition.to}" (${known})`,
          ),
        );
      }
    });
    if (state.terminal !== true && state.transitions.length === 0) {
      errors.push(
        detail(
          `${pointer}/transitions`,
          'dead_end_state',
          `state "${name}" is not terminal and has no transitions: a run could never leave it`,
        ),
      );
    }
  }
  return errors;
}
