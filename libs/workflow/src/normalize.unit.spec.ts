import { describe, expect, it } from 'vitest';
import type { SequentialDefinition, WorkflowDefinition } from './definition.schema';
import { everyStepType } from './fixtures/every-step-type';
import { orderLifecycle } from './fixtures/state-machine';
import { normalizeDefinition, normalizeStep } from './normalize';
import { validateDefinition } from './validation/validate-definition';
import { findStep } from './walk';

function parsed(input: unknown): WorkflowDefinition {
  const result = validateDefinition(input);
  if (!result.ok) throw result.error;
  return result.value;
}

function parsedSequential(input: unknown): SequentialDefinition {
  const def = parsed(input);
  if (def.type === 'state_machine') throw new Error('expected a sequential definition');
  return def;
}

const bare = parsedSequential({
  workflow_id: 'wf',
  name: 'n',
  steps: [
    { id: 'a', agent_name: 'x', cache: { ttl_seconds: 5 } },
    { id: 'p', type: 'parallel', parallel_steps: [{ id: 'p1', agent_name: 'x' }] },
    {
      id: 'l',
      type: 'loop',
      loop_over: '${workflow.input.items}',
      loop_step: { id: 'body', agent_name: 'x' },
    },
    { id: 'f', type: 'fork_join', branches: [{ name: 'b', steps: [{ id: 'f1', agent_name: 'x' }] }] },
    { id: 'w', type: 'wait_for_event', event_type: 'e' },
    { id: 'v', type: 'validation', data: 1, schema: {} },
  ],
});

describe('normalizeDefinition', () => {
  it('fills every default, nested steps included', () => {
    const n = normalizeDefinition(bare);
    expect(n.type).toBe('sequential');
    expect(findStep(n, 'a')).toEqual({
      id: 'a',
      type: 'agent',
      agent_name: 'x',
      cache: { ttl_seconds: 5, scope: 'workflow' },
    });
    expect(findStep(n, 'p')).toMatchObject({ fail_fast: true });
    expect(findStep(n, 'p1')).toMatchObject({ type: 'agent' });
    expect(findStep(n, 'l')).toMatchObject({
      execution_mode: 'sequential',
      error_policy: 'stop',
      loop_step: { type: 'agent' },
    });
    expect(findStep(n, 'f')).toMatchObject({
      join_policy: 'ALL',
      branches: [{ steps: [{ type: 'agent' }] }],
    });
    expect(findStep(n, 'w')).toMatchObject({ source: 'webhook', on_timeout: 'fail' });
    expect(findStep(n, 'v')).toMatchObject({ mode: 'strict' });
  });

  it('keeps what is written and leaves retry_config to the agent registration', () => {
    const def = parsedSequential(everyStepType);
    const n = normalizeDefinition(def);
    expect(findStep(n, 'fan-out')).toMatchObject({ fail_fast: false });
    expect(findStep(n, 'each-item')).toMatchObject({ execution_mode: 'parallel', error_policy: 'collect' });
    expect(findStep(n, 'review')).toMatchObject({ join_policy: 'N_OF_M', n_required: 2 });
    expect(findStep(n, 'fetch')).toMatchObject({
      retry_config: (def.steps[0] as { retry_config: unknown }).retry_config,
      cache: { scope: 'run' },
    });
    expect(findStep(n, 'await-approval')).toMatchObject({ source: 'kafka', on_timeout: 'continue' });
  });

  it('fills state defaults in state machines', () => {
    const n = normalizeDefinition(parsed(orderLifecycle));
    if (n.type !== 'state_machine') throw new Error('expected a state machine');
    expect(n.states['placed']).toMatchObject({ terminal: false, entry_action: { type: 'agent' } });
    expect(n.states['shipped']).toMatchObject({ terminal: true });
  });

  it('returns a new object and leaves the input as it was', () => {
    const before = structuredClone(bare);
    const n = normalizeDefinition(bare);
    expect(bare).toEqual(before);
    if (n.type === 'state_machine') throw new Error('expected a sequential definition');
    n.steps[0]!.id = 'changed';
    expect(bare.steps[0]!.id).toBe('a');
  });

  it('is idempotent and its output still validates', () => {
    const n = normalizeDefinition(parsed(everyStepType));
    expect(normalizeDefinition(n)).toEqual(n);
    expect(validateDefinition(n).ok).toBe(true);
  });

  it('normalizes a single step', () => {
    expect(
      normalizeStep({ id: 'x', type: 'parallel', parallel_steps: [{ id: 'y', agent_name: 'z' }] }),
    ).toEqual({
      id: 'x',
      type: 'parallel',
      fail_fast: true,
      parallel_steps: [{ id: 'y', type: 'agent', agent_name: 'z' }],
    });
  });
});
