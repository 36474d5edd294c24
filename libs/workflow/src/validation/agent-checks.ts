import type { StepIndex } from './step-index';
import { detail, type ValidationDetail } from './validation-detail';

/** Every agent step names a registered agent. */
export function checkAgents(index: StepIndex, knownAgents: ReadonlySet<string>): ValidationDetail[] {
  const errors: ValidationDetail[] = [];
  for (const { step, pointer } of index.entries) {
    if ((step.type === undefined || step.type === 'agent') && !knownAgents.has(step.agent_name)) {
      errors.push(
        detail(`${pointer}/agent_name`, 'unknown_agent', `no agent is registered as "${step.agent_name}"`),
      );
    }
  }
  return errors;
}
