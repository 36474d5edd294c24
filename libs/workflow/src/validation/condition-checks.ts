import { pointerToken } from '@weft/contracts';
import { conditionReferences, parseCondition } from '@weft/expressions';
import type { WorkflowDefinition } from '../definition.schema';
import { referenceProblem, TOP_CONTEXT, type ReferenceContext } from './reference-checks';
import type { StepIndex } from './step-index';
import { detail, type ValidationDetail } from './validation-detail';

/** Checks one condition expression: an error message, or null when it is valid. */
export type ConditionChecker = (expression: string) => string | null;

/** One condition of a definition: where it is, and where its references are resolved. */
export interface ConditionSite {
  readonly pointer: string;
  readonly expression: string;
  readonly context: ReferenceContext;
}

/** Every condition of a definition with its pointer and reference context. */
export function conditionsOf(def: WorkflowDefinition, index: StepIndex): ConditionSite[] {
  const found: ConditionSite[] = [];
  const add = (pointer: string, expression: string | undefined, context: ReferenceContext): void => {
    if (expression !== undefined) found.push({ pointer, expression, context });
  };
  def.on_complete?.forEach((entry, i) => add(`/on_complete/${i}/condition`, entry.condition, TOP_CONTEXT));
  if (def.type === 'state_machine') {
    for (const [name, state] of Object.entries(def.states)) {
      state.transitions.forEach((t, i) =>
        add(`/states/${pointerToken(name)}/transitions/${i}/condition`, t.condition, TOP_CONTEXT),
      );
    }
  }
  for (const { step, pointer, scope } of index.entries) {
    const context: ReferenceContext = { ancestors: scope.ancestors, branchName: scope.branchName };
    switch (step.type) {
      case undefined:
      case 'agent':
        add(`${pointer}/cache/condition`, step.cache?.condition, context);
        break;
      case 'conditional':
        add(`${pointer}/condition`, step.condition, context);
        break;
      case 'wait_for_event':
        add(`${pointer}/match`, step.match, { ...context, eventInScope: true });
        break;
      case 'validation':
        step.assertions?.forEach((a, i) => add(`${pointer}/assertions/${i}/condition`, a.condition, context));
        break;
      default:
        break;
    }
  }
  return found;
}

/**
 * Every condition must parse in the condition language (SPEC §4), else `invalid_condition` at
 * it; the references of one that parses must make sense where it is written, like the references
 * of mappings (`unknown_reference`, `invalid_reference_context`). `extraCheck`, when given, runs
 * on the conditions that parse and may refuse them too.
 */
export function checkConditions(
  def: WorkflowDefinition,
  index: StepIndex,
  extraCheck?: ConditionChecker,
): ValidationDetail[] {
  return conditionsOf(def, index).flatMap(({ pointer, expression, context }) => {
    const parsed = parseCondition(expression);
    if (!parsed.ok) return [detail(pointer, 'invalid_condition', parsed.error.message)];
    const problem = extraCheck?.(expression) ?? null;
    if (problem !== null) return [detail(pointer, 'invalid_condition', problem)];
    return conditionReferences(parsed.value).flatMap((ref) => {
      const found = referenceProblem(ref, context, def, index);
      return found === null ? [] : [detail(pointer, found.code, found.message)];
    });
  });
}
