import type { WorkflowDefinition } from '../definition.schema';
import type { Step } from '../step.schema';
import { walkSteps, type StepScope } from '../walk';

export interface StepEntry {
  readonly step: Step;
  readonly pointer: string;
  readonly scope: StepScope;
}

/** Every step of a definition with its place, and the first step of each id. */
export interface StepIndex {
  readonly entries: readonly StepEntry[];
  readonly byId: ReadonlyMap<string, StepEntry>;
}

export function indexSteps(def: WorkflowDefinition): StepIndex {
  const entries: StepEntry[] = [];
  const byId = new Map<string, StepEntry>();
  walkSteps(def, (step, pointer, scope) => {
    const entry = { step, pointer, scope };
    entries.push(entry);
    if (!byId.has(step.id)) byId.set(step.id, entry);
  });
  return { entries, byId };
}
