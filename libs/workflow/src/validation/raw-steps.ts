import { pointerToken } from '@weft/contracts';
import { MAX_STEP_DEPTH } from '../identifiers';
import { isPlainObject } from './json-guard';

export interface RawStep {
  readonly step: unknown;
  readonly pointer: string;
  /** 1 for top-level steps and state actions. */
  readonly depth: number;
}

/**
 * The steps of a raw (unvalidated) definition, found where the format puts them whatever their
 * validity, in document order, parents first. Iterative; steps nested deeper than MAX_STEP_DEPTH
 * are listed but not entered.
 */
export function findRawSteps(input: unknown): RawStep[] {
  if (!isPlainObject(input)) return [];
  const found: RawStep[] = [];
  const stack: RawStep[] = [];
  const pushList = (list: unknown, pointer: string, depth: number): void => {
    if (!Array.isArray(list)) return;
    for (let i = list.length - 1; i >= 0; i--)
      stack.push({ step: list[i], pointer: `${pointer}/${i}`, depth });
  };
  const states = input['states'];
  if (isPlainObject(states)) {
    const names = Object.keys(states);
    for (let s = names.length - 1; s >= 0; s--) {
      const name = names[s]!;
      const state = states[name];
      if (!isPlainObject(state)) continue;
      for (const key of ['exit_action', 'action', 'entry_action']) {
        if (state[key] !== undefined)
          stack.push({ step: state[key], pointer: `/states/${pointerToken(name)}/${key}`, depth: 1 });
      }
    }
  }
  pushList(input['steps'], '/steps', 1);
  while (stack.length > 0) {
    const current = stack.pop()!;
    found.push(current);
    const { step, pointer, depth } = current;
    if (depth > MAX_STEP_DEPTH || !isPlainObject(step)) continue;
    const branches = step['branches'];
    if (Array.isArray(branches)) {
      for (let b = branches.length - 1; b >= 0; b--) {
        const branch: unknown = branches[b];
        if (isPlainObject(branch)) pushList(branch['steps'], `${pointer}/branches/${b}/steps`, depth + 1);
      }
    }
    if (step['loop_step'] !== undefined)
      stack.push({ step: step['loop_step'], pointer: `${pointer}/loop_step`, depth: depth + 1 });
    pushList(step['parallel_steps'], `${pointer}/parallel_steps`, depth + 1);
  }
  return found;
}
