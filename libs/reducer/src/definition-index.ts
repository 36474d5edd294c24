import type { NormalizedDefinition, NormalizedStep } from '@weft/workflow';

/** Where a step sits in its definition. Step ids are unique across the whole definition. */
export type StepOwner =
  | { readonly kind: 'top'; readonly list: readonly NormalizedStep[]; readonly position: number }
  | { readonly kind: 'parallel'; readonly parentId: string; readonly position: number }
  | { readonly kind: 'loop'; readonly parentId: string }
  | {
      readonly kind: 'branch';
      readonly parentId: string;
      readonly branch: string;
      readonly list: readonly NormalizedStep[];
      readonly position: number;
    };

export interface IndexedStep {
  readonly step: NormalizedStep;
  readonly owner: StepOwner;
}

const indexes = new WeakMap<NormalizedDefinition, Map<string, IndexedStep>>();

/** Every step of a definition by id, built once per definition snapshot. */
export function stepIndex(def: NormalizedDefinition): Map<string, IndexedStep> {
  let index = indexes.get(def);
  if (index) return index;
  const built = new Map<string, IndexedStep>();
  const add = (step: NormalizedStep, owner: StepOwner) => {
    built.set(step.id, { step, owner });
    switch (step.type) {
      case 'parallel':
        step.parallel_steps.forEach((child, position) =>
          add(child, { kind: 'parallel', parentId: step.id, position }),
        );
        break;
      case 'loop':
        add(step.loop_step, { kind: 'loop', parentId: step.id });
        break;
      case 'fork_join':
        for (const branch of step.branches) {
          branch.steps.forEach((child, position) =>
            add(child, {
              kind: 'branch',
              parentId: step.id,
              branch: branch.name,
              list: branch.steps,
              position,
            }),
          );
        }
        break;
      default:
        break;
    }
  };
  if (def.type === 'sequential')
    def.steps.forEach((step, position) => add(step, { kind: 'top', list: def.steps, position }));
  indexes.set(def, built);
  index = built;
  return index;
}

export function stepById(def: NormalizedDefinition, id: string): IndexedStep | undefined {
  return stepIndex(def).get(id);
}

/** The step a run starts with: `start_step`, else the first of `steps`. */
export function firstStep(def: NormalizedDefinition): NormalizedStep | undefined {
  if (def.type !== 'sequential') return undefined;
  return def.start_step !== undefined ? stepById(def, def.start_step)?.step : def.steps[0];
}

/**
 * Where control goes after a step of a sequence (the top level, a fork-join branch): a conditional's
 * branch target, else `next_step` if given (null ends the sequence), else the following step.
 */
export function nextInSequence(
  list: readonly NormalizedStep[],
  position: number,
  def: NormalizedDefinition,
  jumpTo?: string,
): NormalizedStep | undefined {
  const step = list[position];
  if (!step) return undefined;
  const target = jumpTo ?? (step.next_step === null ? null : step.next_step);
  if (target === null) return undefined;
  if (target !== undefined) return stepById(def, target)?.step;
  return list[position + 1];
}
