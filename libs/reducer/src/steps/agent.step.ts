import type { NewEvent } from '@weft/contracts';
import type { NormalizedAgentStep } from '@weft/workflow';
import type { Decision } from '../run-context';
import type { Placement } from '../scope';
import { failToStart, placementData, requestStepTimer, resolveInput } from './lifecycle';

/** An agent step is dispatched: the bridge calls the agent and reports the result as a command. */
export function startAgent(
  d: Decision,
  step: NormalizedAgentStep,
  path: string,
  placement: Placement,
  defaultInput: unknown,
): void {
  const input = resolveInput(d, step, path, placement, defaultInput);
  if (!input.ok) return failToStart(d, step, path, placement, input.error);
  d.emit(scheduled(d.runId, step, path, placement, input.value, 1));
  // The bridge ends the call at the timeout; the durable timer is the backstop when no bridge is
  // there to report (crashed, or the call outlived it).
  requestStepTimer(d, step, path);
}

export function scheduled(
  runId: string,
  step: NormalizedAgentStep,
  path: string,
  placement: Placement,
  input: unknown,
  attempt: number,
): NewEvent {
  return {
    type: 'StepScheduled',
    step_path: path,
    data: {
      step_id: step.id,
      step_type: 'agent',
      attempt,
      invocation_id: `${runId}/${path}#${attempt}`,
      agent_name: step.agent_name,
      input,
      ...(step.timeout_seconds !== undefined ? { timeout_ms: step.timeout_seconds * 1000 } : {}),
      ...placementData(placement),
    },
  };
}
