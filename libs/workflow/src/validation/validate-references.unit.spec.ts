import { describe, expect, it } from 'vitest';
import { agent, codesAt, detailsOf, expectValid, sequential } from '../fixtures/definitions';

const loop = (id: string, body: unknown, loopOver = '${workflow.input.items}') => ({
  id,
  type: 'loop',
  loop_over: loopOver,
  loop_step: body,
});

describe('references in mappings', () => {
  it('reports a reference that does not parse, at the string holding it', () => {
    const [d, ...rest] = detailsOf(
      sequential([agent('a', { input_mapping: { deep: [{ x: 'id: ${workflow.input.id' }] } })]),
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ pointer: '/steps/0/input_mapping/deep/0/x', code: 'invalid_reference' });
  });

  it('reports a step reference naming no step', () => {
    const [d] = detailsOf(sequential([agent('a')], { output_mapping: { result: '${b.output.value}' } }));
    expect(d).toEqual({
      pointer: '/output_mapping/result',
      code: 'unknown_reference',
      message: '${b.output.value}: no step has id "b"',
    });
  });

  it('checks every mapping: input_mapping, output_mapping, on_complete, validation data, cache key, loop_over', () => {
    const steps = [
      agent('a', { input_mapping: '${x1.output}', cache: { key: 'k-${x2.output.id}', ttl_seconds: 1 } }),
      { id: 's', type: 'sub_workflow', workflow_id: 'child', input_mapping: { v: '${x3.output}' } },
      { id: 'v', type: 'validation', data: '${x4.output}', schema: {} },
      loop('l', agent('body'), '${x5.output.items}'),
    ];
    const def = sequential(steps, {
      output_mapping: ['${x6.output}'],
      on_complete: [{ workflow_id: 'next', input_mapping: { a: { b: '${x7.output}' } } }],
    });
    expect(codesAt(def)).toEqual([
      { code: 'unknown_reference', pointer: '/output_mapping/0' },
      { code: 'unknown_reference', pointer: '/on_complete/0/input_mapping/a/b' },
      { code: 'unknown_reference', pointer: '/steps/0/input_mapping' },
      { code: 'unknown_reference', pointer: '/steps/0/cache/key' },
      { code: 'unknown_reference', pointer: '/steps/1/input_mapping/v' },
      { code: 'unknown_reference', pointer: '/steps/2/data' },
      { code: 'unknown_reference', pointer: '/steps/3/loop_over' },
    ]);
  });

  it('accepts references to nested steps, loop variables in the body, branch names in branches', () => {
    expectValid(
      sequential(
        [
          { id: 'p', type: 'parallel', parallel_steps: [agent('child')] },
          loop(
            'l',
            agent('body', {
              input_mapping: { item: '${loop.item}', i: '${loop.index}', c: '${child.output}' },
            }),
            '${child.output.list}',
          ),
          {
            id: 'f',
            type: 'fork_join',
            branches: [{ name: 'b', steps: [agent('in-branch', { input_mapping: '${branch.name}' })] }],
          },
        ],
        { output_mapping: { all: '${l.output}', nested: '${in-branch.output}', run: '${run.id}' } },
      ),
    );
  });

  it("refuses ${loop.*} outside a loop body, including in the loop's own loop_over", () => {
    const def = sequential([
      agent('a', { input_mapping: '${loop.item}' }),
      loop('l', agent('body'), '${loop.item}'),
    ]);
    expect(codesAt(def)).toEqual([
      { code: 'invalid_reference_context', pointer: '/steps/0/input_mapping' },
      { code: 'invalid_reference_context', pointer: '/steps/1/loop_over' },
    ]);
  });

  it('refuses ${branch.*} outside a fork_join branch', () => {
    expect(codesAt(sequential([agent('a', { input_mapping: { b: '${branch.name}' } })]))).toEqual([
      { code: 'invalid_reference_context', pointer: '/steps/0/input_mapping/b' },
    ]);
  });

  it('refuses a reference to a loop body step from outside that loop', () => {
    const def = sequential([
      loop('outer', loop('inner', agent('leaf'))),
      agent('after', { input_mapping: '${leaf.output}' }),
    ]);
    const [d] = detailsOf(def);
    expect(d).toMatchObject({ pointer: '/steps/1/input_mapping', code: 'invalid_reference_context' });
    expect(d?.message).toContain('${outer.output}');
    // From inside both loops, the same reference is the current iteration's execution.
    expectValid(
      sequential([loop('outer', loop('inner', agent('leaf', { input_mapping: '${leaf.output}' })))]),
    );
  });

  it('refuses ${state.*} and ${event.*} in sequential definitions', () => {
    expect(codesAt(sequential([agent('a', { input_mapping: ['${state.name}', '${event.id}'] })]))).toEqual([
      { code: 'invalid_reference_context', pointer: '/steps/0/input_mapping/0' },
      { code: 'invalid_reference_context', pointer: '/steps/0/input_mapping/1' },
    ]);
  });

  it('requires loop_over to be exactly one reference', () => {
    for (const loopOver of [
      'items',
      'all: ${workflow.input.items}',
      '${workflow.input.a}${workflow.input.b}',
    ]) {
      expect(codesAt(sequential([loop('l', agent('b'), loopOver)]))).toEqual([
        { code: 'invalid_reference', pointer: '/steps/0/loop_over' },
      ]);
    }
  });
});
