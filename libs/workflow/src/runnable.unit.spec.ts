import { describe, expect, it } from 'vitest';
import type { WorkflowDefinition } from './definition.schema';
import { everyStepType } from './fixtures/every-step-type';
import { orderFulfilment } from './fixtures/order-fulfilment';
import { orderLifecycle } from './fixtures/state-machine';
import { checkRunnable } from './runnable';
import { validateDefinition } from './validation/validate-definition';

function parsed(input: unknown): WorkflowDefinition {
  const result = validateDefinition(input);
  if (!result.ok) throw result.error;
  return result.value;
}

describe('checkRunnable', () => {
  it('returns null when every type is supported', () => {
    expect(checkRunnable(parsed(orderFulfilment), new Set(['agent', 'conditional']))).toBeNull();
  });

  it('names every unsupported type, with a detail per step', () => {
    const error = checkRunnable(
      parsed(everyStepType),
      new Set(['agent', 'conditional', 'parallel', 'validation']),
    );
    expect(error?.code).toBe('NOT_SUPPORTED_YET');
    expect(error?.message).toBe('not supported yet: loop, fork_join, sub_workflow, wait_for_event');
    expect(error?.details.map((d) => d.pointer)).toEqual([
      '/steps/3/type',
      '/steps/4/type',
      '/steps/5/type',
      '/steps/6/type',
    ]);
  });

  it('points at the step when an unsupported agent type is implicit, and finds nested steps', () => {
    const def = parsed({
      workflow_id: 'w',
      name: 'n',
      steps: [{ id: 'p', type: 'parallel', parallel_steps: [{ id: 'a', agent_name: 'x' }] }],
    });
    expect(checkRunnable(def, new Set(['parallel']))?.details).toEqual([
      {
        pointer: '/steps/0/parallel_steps/0',
        message: 'step "a": type agent is not supported yet',
        code: 'not_supported',
      },
    ]);
  });

  it('refuses state machines unless state_machine is supported', () => {
    const error = checkRunnable(parsed(orderLifecycle), new Set(['agent']));
    expect(error?.message).toBe('not supported yet: state_machine');
    expect(error?.details.map((d) => d.pointer)).toEqual(['/type']);
    expect(checkRunnable(parsed(orderLifecycle), new Set(['agent', 'state_machine']))).toBeNull();
  });
});
