import { collectReferences, parseTemplate, type Reference } from '@weft/expressions';
import type { WorkflowDefinition } from '../definition.schema';
import type { Step } from '../step.schema';
import type { StepIndex } from './step-index';
import { detail, type ValidationDetail } from './validation-detail';

/** Where a reference is resolved: inside which steps, which fork-join branch. */
export interface ReferenceContext {
  readonly ancestors: readonly Step[];
  readonly branchName?: string;
  /** A wait_for_event `match` reads the event it is matching, in any kind of definition. */
  readonly eventInScope?: boolean;
}

interface ReferenceSite {
  readonly pointer: string;
  readonly value: unknown;
  readonly context: ReferenceContext;
}

export const TOP_CONTEXT: ReferenceContext = { ancestors: [] };

/**
 * References in mappings (`input_mapping`, `output_mapping`, `on_complete[].input_mapping`,
 * validation `data`, cache `key`, `loop_over`) parse, name existing steps, and make sense where
 * they are written: `${loop.*}` inside a loop body, `${branch.*}` inside a fork-join branch,
 * `${state.*}` and `${event.*}` in state machines, a loop body's step only from inside that loop.
 * The references of conditions go through `referenceProblem` too, from `checkConditions`.
 */
export function checkReferences(def: WorkflowDefinition, index: StepIndex): ValidationDetail[] {
  const errors: ValidationDetail[] = [];
  const check = (site: ReferenceSite): void => {
    const { references, errors: parseErrors } = collectReferences(site.value, site.pointer);
    for (const e of parseErrors) errors.push(detail(e.pointer, 'invalid_reference', e.message));
    for (const { pointer, ref } of references) {
      const problem = referenceProblem(ref, site.context, def, index);
      if (problem !== null) errors.push(detail(pointer, problem.code, problem.message));
    }
  };

  if (def.output_mapping !== undefined)
    check({ pointer: '/output_mapping', value: def.output_mapping, context: TOP_CONTEXT });
  def.on_complete?.forEach((entry, i) => {
    if (entry.input_mapping !== undefined) {
      check({ pointer: `/on_complete/${i}/input_mapping`, value: entry.input_mapping, context: TOP_CONTEXT });
    }
  });
  for (const { step, pointer, scope } of index.entries) {
    const context: ReferenceContext = { ancestors: scope.ancestors, branchName: scope.branchName };
    const at = (field: string, value: unknown): void =>
      check({ pointer: `${pointer}/${field}`, value, context });
    switch (step.type) {
      case undefined:
      case 'agent':
        if (step.input_mapping !== undefined) at('input_mapping', step.input_mapping);
        if (step.cache?.key !== undefined) at('cache/key', step.cache.key);
        break;
      case 'sub_workflow':
        if (step.input_mapping !== undefined) at('input_mapping', step.input_mapping);
        break;
      case 'validation':
        at('data', step.data);
        break;
      case 'loop':
        if (!isSingleReference(step.loop_over)) {
          errors.push(
            detail(
              `${pointer}/loop_over`,
              'invalid_reference',
              'loop_over must be exactly one reference to an array, like ${fetch.output.items}',
            ),
          );
        } else {
          at('loop_over', step.loop_over);
        }
        break;
      default:
        break;
    }
  }
  return errors;
}

function isSingleReference(text: string): boolean {
  const parsed = parseTemplate(text);
  // A parse error is reported by the reference check itself.
  return !parsed.ok || (parsed.value.length === 1 && parsed.value[0]?.kind === 'ref');
}

/** Why a parsed reference cannot be resolved where it is written, or null when it can. */
export function referenceProblem(
  ref: Reference,
  context: ReferenceContext,
  def: WorkflowDefinition,
  index: StepIndex,
): { code: 'unknown_reference' | 'invalid_reference_context'; message: string } | null {
  const misplaced = (why: string) => ({
    code: 'invalid_reference_context' as const,
    message: `${ref.raw}: ${why}`,
  });
  switch (ref.root) {
    case 'step': {
      const target = ref.stepId === undefined ? undefined : index.byId.get(ref.stepId);
      if (target === undefined)
        return { code: 'unknown_reference', message: `${ref.raw}: no step has id "${ref.stepId ?? ''}"` };
      const outsideLoop = target.scope.ancestors.find(
        (a) => a.type === 'loop' && !context.ancestors.includes(a),
      );
      return outsideLoop === undefined
        ? null
        : misplaced(
            `step "${target.step.id}" runs once per iteration of loop "${outsideLoop.id}"; refer to it from inside that loop, or to \${${outsideLoop.id}.output} outside`,
          );
    }
    case 'loop':
      return context.ancestors.some((a) => a.type === 'loop')
        ? null
        : misplaced('only a loop body can refer to the loop');
    case 'branch':
      return context.branchName !== undefined
        ? null
        : misplaced('only steps inside a fork_join branch can refer to the branch');
    case 'state':
      return def.type === 'state_machine' ? null : misplaced('only state machines have a state');
    case 'event':
      return def.type === 'state_machine' || context.eventInScope === true
        ? null
        : misplaced(
            'events are read by wait_for_event match conditions; later steps use ${<wait step id>.output}',
          );
    default:
      return null;
  }
}
