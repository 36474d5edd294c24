import type { WorkflowDefinition } from '../definition.schema';
import type { Step } from '../step.schema';
import type { StepEntry, StepIndex } from './step-index';
import { stepLists } from './step-lists';
import { detail, type ValidationDetail } from './validation-detail';
import { findCycles } from './graph-cycles';

type JumpField = 'next_step' | 'if_true_step' | 'if_false_step';

/** The explicit jumps of a step: a non-null `next_step`, a conditional's two branches. */
export function jumpsOf(step: Step): { field: JumpField; target: string }[] {
  if (step.type === 'conditional') {
    return [
      { field: 'if_true_step', target: step.if_true_step },
      { field: 'if_false_step', target: step.if_false_step },
    ];
  }
  return typeof step.next_step === 'string' ? [{ field: 'next_step', target: step.next_step }] : [];
}

/**
 * Jumps name existing steps of their own step list; `start_step` names a top-level step; steps
 * in `parallel_steps` do not jump (they all start together).
 */
export function checkJumps(def: WorkflowDefinition, index: StepIndex): ValidationDetail[] {
  const errors: ValidationDetail[] = [];
  if (def.type !== 'state_machine' && def.start_step !== undefined) {
    const target = def.start_step;
    if (!def.steps.some((s) => s.id === target))
      errors.push(missingTarget('/start_step', target, index, 'a top-level step'));
  }
  for (const entry of index.entries) {
    for (const { field, target } of jumpsOf(entry.step)) {
      const pointer = `${entry.pointer}/${field}`;
      if (entry.scope.kind === 'parallel_steps') {
        errors.push(
          detail(
            pointer,
            'invalid_jump',
            `steps in parallel_steps all start together and cannot jump (${field}: "${target}")`,
          ),
        );
      } else if (!entry.scope.list.some((s) => s.id === target)) {
        errors.push(missingTarget(pointer, target, index, 'a step of the same step list'));
      }
    }
  }
  return errors;
}

function missingTarget(
  pointer: string,
  target: string,
  index: StepIndex,
  expected: string,
): ValidationDetail {
  const elsewhere = index.byId.get(target);
  if (elsewhere === undefined) return detail(pointer, 'unknown_step', `no step has id "${target}"`);
  return detail(
    pointer,
    'cross_scope_jump',
    `step "${target}" (${elsewhere.pointer}) is in another step list; the target must be ${expected}`,
  );
}

/**
 * In each sequential step list, control flow (next step in the list unless `next_step` says
 * otherwise, `null` ends, a conditional goes to either branch) must not loop: repetition is
 * what `loop` steps and state machines are for.
 */
export function checkCycles(index: StepIndex): ValidationDetail[] {
  const errors: ValidationDetail[] = [];
  for (const list of stepLists(index)) {
    if (list[0]?.scope.kind === 'parallel_steps') continue;
    const position = new Map<string, number>();
    list.forEach((entry, i) => {
      if (!position.has(entry.step.id)) position.set(entry.step.id, i);
    });
    const successors = list.map((entry, i) => successorsOf(entry, i, list.length, position));
    for (const cycle of findCycles(list.length, (v) => successors[v] ?? [])) {
      const ids = cycle.map((i) => list[i]!.step.id);
      errors.push(
        detail(
          list[cycle[0]!]!.pointer,
          'cycle',
          `steps form a cycle: ${[...ids, ids[0]].join(' -> ')} (use a loop step or a state machine to repeat)`,
        ),
      );
    }
  }
  return errors;
}

function successorsOf(
  entry: StepEntry,
  i: number,
  length: number,
  position: ReadonlyMap<string, number>,
): number[] {
  const { step } = entry;
  if (step.type !== 'conditional' && step.next_step === undefined) return i + 1 < length ? [i + 1] : [];
  return jumpsOf(step).flatMap(({ target }) => {
    const p = position.get(target);
    return p === undefined ? [] : [p];
  });
}
