import { pointerToken } from '@weft/contracts';
import type { WorkflowDefinition } from './definition.schema';
import type { NormalizedDefinition, NormalizedStep } from './normalize';
import type { Step, StepType } from './step.schema';

/** Where a step sits: the list it belongs to and what contains that list. */
export interface StepScope<S extends Step = Step> {
  /** The step (parallel, loop, fork_join) whose list this is; absent at top level and in state actions. */
  readonly parentStepId?: string;
  /** The fork-join branch, for steps inside a branch (nearest one). */
  readonly branchName?: string;
  /** The state, for state actions and the steps nested in them. */
  readonly stateName?: string;
  /** What the list is: top-level steps, parallel children, a loop body, a branch, a state action. */
  readonly kind: 'steps' | 'parallel_steps' | 'loop_step' | 'branch' | 'state_action';
  /** The sibling list (a loop body or a state action is a list of one). */
  readonly list: readonly S[];
  /** Containing steps, outermost first. */
  readonly ancestors: readonly S[];
  /** 1 for top-level steps and state actions, +1 per containing step. */
  readonly depth: number;
}

export type StepVisitor<S extends Step = Step> = (step: S, pointer: string, scope: StepScope<S>) => void;

/** Visits every step, nested ones included, parents before children, in document order. */
export function walkSteps(def: NormalizedDefinition, visit: StepVisitor<NormalizedStep>): void;
export function walkSteps(def: WorkflowDefinition, visit: StepVisitor): void;
export function walkSteps(def: WorkflowDefinition, visitor: StepVisitor<never>): void {
  // Sound: each overload pairs a definition with a visitor of its own step type.
  const visit = visitor as StepVisitor;
  if (def.type === 'state_machine') {
    for (const [stateName, state] of Object.entries(def.states)) {
      const statePointer = `/states/${pointerToken(stateName)}`;
      for (const key of ['entry_action', 'action', 'exit_action'] as const) {
        const action = state[key];
        if (action === undefined) continue;
        const scope: StepScope = { stateName, kind: 'state_action', list: [action], ancestors: [], depth: 1 };
        walkOne(action, `${statePointer}/${key}`, scope, visit);
      }
    }
    return;
  }
  walkList(def.steps, '/steps', { kind: 'steps', ancestors: [], depth: 1 }, visit);
}

function walkList(
  list: readonly Step[],
  listPointer: string,
  scope: Omit<StepScope, 'list'>,
  visit: StepVisitor,
): void {
  const full: StepScope = { ...scope, list };
  list.forEach((step, i) => walkOne(step, `${listPointer}/${i}`, full, visit));
}

function walkOne(step: Step, pointer: string, scope: StepScope, visit: StepVisitor): void {
  visit(step, pointer, scope);
  const inner = {
    parentStepId: step.id,
    branchName: scope.branchName,
    stateName: scope.stateName,
    ancestors: [...scope.ancestors, step],
    depth: scope.depth + 1,
  };
  switch (step.type) {
    case 'parallel':
      walkList(step.parallel_steps, `${pointer}/parallel_steps`, { ...inner, kind: 'parallel_steps' }, visit);
      break;
    case 'loop':
      walkOne(
        step.loop_step,
        `${pointer}/loop_step`,
        { ...inner, kind: 'loop_step', list: [step.loop_step] },
        visit,
      );
      break;
    case 'fork_join':
      step.branches.forEach((branch, b) =>
        walkList(
          branch.steps,
          `${pointer}/branches/${b}/steps`,
          { ...inner, branchName: branch.name, kind: 'branch' },
          visit,
        ),
      );
      break;
    default:
      break;
  }
}

/** The step with this id, wherever it is nested. */
export function findStep(def: NormalizedDefinition, id: string): NormalizedStep | undefined;
export function findStep(def: WorkflowDefinition, id: string): Step | undefined;
export function findStep(def: WorkflowDefinition, id: string): Step | undefined {
  let found: Step | undefined;
  walkSteps(def, (step) => {
    if (found === undefined && step.id === id) found = step;
  });
  return found;
}

/** A step's type, `agent` when omitted. */
export function stepType(step: Step): StepType {
  return step.type ?? 'agent';
}

/** The step types a definition uses (nested steps included). */
export function stepTypes(def: WorkflowDefinition): Set<StepType> {
  const types = new Set<StepType>();
  walkSteps(def, (step) => types.add(stepType(step)));
  return types;
}
