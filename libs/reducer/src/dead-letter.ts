import type { ErrorInfo } from '@weft/contracts';
import { stepById } from './definition-index';
import type { Decision } from './run-context';

/**
 * F7 dead letters: an agent step's invocation that failed for good (no attempt left, an error its
 * policy does not retry, or a step timeout) becomes a DLQ entry through `StepDeadLettered`. The
 * event follows the step's final StepFailed/StepTimedOut and comes before anything its container
 * decides, so the entry exists whether the failure ends the run or is absorbed by a loop error
 * policy, a fork-join policy or `fail_fast: false` (an absorbed failure is still a failed call an
 * operator may want to replay).
 */
export function deadLetter(d: Decision, path: string, error: ErrorInfo, attempts: number): void {
  const state = d.state;
  const step = state.steps[path];
  if (!step || step.step_type !== 'agent') return;
  const def = stepById(d.def, step.step_id)?.step;
  if (def?.type !== 'agent') return;
  // The id is the run id and this event's seq (the reducer has no hash function, and ids with the
  // step path in them would need escaping in URLs); a re-driven step that fails again gets a new one.
  const seq = state.seq + 1;
  d.emit({
    type: 'StepDeadLettered',
    step_path: path,
    data: {
      entry_id: `${d.runId}.${seq}`,
      step_id: step.step_id,
      workflow_id: state.workflow_id,
      version: state.version,
      agent_name: def.agent_name,
      invocation_id: `${d.runId}/${path}#${step.attempt}`,
      input: step.input ?? null,
      error,
      attempts: Math.max(1, attempts),
    },
  });
}
