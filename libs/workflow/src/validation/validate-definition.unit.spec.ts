import { isWeftError } from '@weft/contracts';
import { describe, expect, it } from 'vitest';
import { agent, codesAt, sequential } from '../fixtures/definitions';
import { validateDefinition } from './validate-definition';

describe('validateDefinition', () => {
  it('returns VALIDATION_FAILED with one detail per problem and their count', () => {
    const result = validateDefinition(sequential([agent('a'), agent('a')]));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(isWeftError(result.error, 'VALIDATION_FAILED')).toBe(true);
    expect(result.error.message).toBe('workflow definition is invalid: 1 error');
    expect(result.error.retryable).toBe(false);
  });

  it('reports every problem of a definition at once', () => {
    const def = sequential(
      [
        agent('fetch', { agent_name: 'ghost', input_mapping: { id: '${nothing.output.id}' } }),
        agent('fetch'),
        {
          id: 'fan',
          type: 'fork_join',
          join_policy: 'N_OF_M',
          branches: [
            { name: 'x', steps: [agent('x1', { next_step: 'fetch' })] },
            { name: 'x', steps: [agent('x2', { input_mapping: '${loop.item}' })] },
          ],
        },
        agent('again', { next_step: 'fan' }),
        agent('event'),
      ],
      { start_step: 'x2', input_schema: { type: 7 } },
    );
    const result = validateDefinition(def, { knownAgents: new Set(['worker']) });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.details.map((d) => ({ code: d.code, pointer: d.pointer }))).toEqual([
      { code: 'duplicate_id', pointer: '/steps/1/id' },
      { code: 'reserved_id', pointer: '/steps/4/id' },
      { code: 'cross_scope_jump', pointer: '/start_step' },
      { code: 'cross_scope_jump', pointer: '/steps/2/branches/0/steps/0/next_step' },
      { code: 'cycle', pointer: '/steps/2' },
      { code: 'duplicate_branch', pointer: '/steps/2/branches/1/name' },
      { code: 'constraint', pointer: '/steps/2/n_required' },
      { code: 'unknown_agent', pointer: '/steps/0/agent_name' },
      { code: 'invalid_schema', pointer: '/input_schema' },
      { code: 'unknown_reference', pointer: '/steps/0/input_mapping/id' },
      { code: 'invalid_reference_context', pointer: '/steps/2/branches/1/steps/0/input_mapping' },
    ]);
    expect(result.error.message).toBe('workflow definition is invalid: 11 errors');
  });

  it('reports every schema error at once', () => {
    const def = {
      workflow_id: 'wf',
      steps: [{ id: 'a' }, { id: 'b', type: 'loop', loop_step: { id: 'c', agent_name: 1 } }],
      extra: 1,
    };
    expect(codesAt(def).sort((a, b) => a.pointer.localeCompare(b.pointer))).toEqual([
      { code: 'schema', pointer: '/extra' },
      { code: 'schema', pointer: '/name' },
      { code: 'schema', pointer: '/steps/0/agent_name' },
      { code: 'schema', pointer: '/steps/1/loop_over' },
      { code: 'schema', pointer: '/steps/1/loop_step/agent_name' },
    ]);
  });

  it('does not modify its input', () => {
    const def = sequential([agent('a')]);
    const copy = structuredClone(def);
    validateDefinition(def);
    expect(def).toEqual(copy);
  });
});
