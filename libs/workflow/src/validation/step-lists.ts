import type { StepEntry, StepIndex } from './step-index';

/** The steps of each step list (top-level steps, parallel children, loop body, branch, state action), in order. */
export function stepLists(index: StepIndex): StepEntry[][] {
  const lists = new Map<unknown, StepEntry[]>();
  for (const entry of index.entries) {
    const list = lists.get(entry.scope.list);
    if (list === undefined) lists.set(entry.scope.list, [entry]);
    else list.push(entry);
  }
  return [...lists.values()];
}
