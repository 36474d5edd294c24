import { describe, expect, it } from 'vitest';
import { agent, codesAt, detailsOf, expectValid, sequential } from '../fixtures/definitions';

const conditional = (id: string, ifTrue: string, ifFalse: string) => ({
  id,
  type: 'conditional',
  condition: '${workflow.input.ok} == true',
  if_true_step: ifTrue,
  if_false_step: ifFalse,
});

describe('jump targets', () => {
  it('reports unknown targets of next_step, if_true_step, if_false_step and start_step', () => {
    const def = sequential([agent('a', { next_step: 'nowhere' }), conditional('c', 'a', 'missing')], {
      start_step: 'ghost',
    });
    expect(detailsOf(def)).toEqual([
      { pointer: '/start_step', code: 'unknown_step', message: 'no step has id "ghost"' },
      { pointer: '/steps/0/next_step', code: 'unknown_step', message: 'no step has id "nowhere"' },
      { pointer: '/steps/1/if_false_step', code: 'unknown_step', message: 'no step has id "missing"' },
    ]);
  });

  it('accepts forward jumps, null (end of run) and a start_step', () => {
    expectValid(
      sequential(
        [agent('a', { next_step: 'c' }), agent('b', { next_step: null }), agent('c', { next_step: 'b' })],
        { start_step: 'a' },
      ),
    );
  });

  it('keeps jumps inside their own step list', () => {
    const def = sequential([
      agent('top', { next_step: 'inner' }),
      {
        id: 'f',
        type: 'fork_join',
        branches: [{ name: 'b1', steps: [agent('inner', { next_step: 'top' })] }],
      },
    ]);
    expect(detailsOf(def)).toEqual([
      {
        pointer: '/steps/0/next_step',
        code: 'cross_scope_jump',
        message:
          'step "inner" (/steps/1/branches/0/steps/0) is in another step list; the target must be a step of the same step list',
      },
      {
        pointer: '/steps/1/branches/0/steps/0/next_step',
        code: 'cross_scope_jump',
        message: expect.stringContaining('"top"'),
      },
    ]);
  });

  it('keeps jumps inside one fork-join branch', () => {
    const def = sequential([
      {
        id: 'f',
        type: 'fork_join',
        branches: [
          { name: 'b1', steps: [agent('a1', { next_step: 'b2-step' })] },
          { name: 'b2', steps: [agent('b2-step')] },
        ],
      },
    ]);
    expect(codesAt(def)).toEqual([
      { code: 'cross_scope_jump', pointer: '/steps/0/branches/0/steps/0/next_step' },
    ]);
  });

  it('requires start_step to be a top-level step', () => {
    const def = sequential(
      [{ id: 'l', type: 'loop', loop_over: '${workflow.input.x}', loop_step: agent('body') }],
      { start_step: 'body' },
    );
    expect(codesAt(def)).toEqual([{ code: 'cross_scope_jump', pointer: '/start_step' }]);
  });

  it('refuses jumps between parallel children, which all start together', () => {
    const def = sequential([
      {
        id: 'p',
        type: 'parallel',
        parallel_steps: [
          agent('a', { next_step: 'b' }),
          agent('b', { next_step: null }),
          conditional('c', 'a', 'b'),
        ],
      },
    ]);
    expect(codesAt(def)).toEqual([
      { code: 'invalid_jump', pointer: '/steps/0/parallel_steps/0/next_step' },
      { code: 'invalid_jump', pointer: '/steps/0/parallel_steps/2/if_true_step' },
      { code: 'invalid_jump', pointer: '/steps/0/parallel_steps/2/if_false_step' },
    ]);
  });
});

describe('cycles', () => {
  it('reports a backward next_step as a cycle with its steps, at the first step in it', () => {
    const def = sequential([agent('a'), agent('b'), agent('c', { next_step: 'b' }), agent('d')]);
    expect(detailsOf(def)).toEqual([
      {
        pointer: '/steps/1',
        code: 'cycle',
        message: 'steps form a cycle: b -> c -> b (use a loop step or a state machine to repeat)',
      },
    ]);
  });

  it('follows implicit next steps and both branches of a conditional', () => {
    const def = sequential([
      agent('a'),
      conditional('check', 'done', 'retry'),
      agent('retry'),
      agent('back', { next_step: 'a' }),
      agent('done'),
    ]);
    expect(detailsOf(def)).toEqual([
      {
        pointer: '/steps/0',
        code: 'cycle',
        message: expect.stringContaining('a -> check -> retry -> back -> a'),
      },
    ]);
  });

  it('reports a step jumping to itself', () => {
    expect(codesAt(sequential([agent('a', { next_step: 'a' })]))).toEqual([
      { code: 'cycle', pointer: '/steps/0' },
    ]);
  });

  it('reports each separate cycle once', () => {
    const def = sequential([
      agent('a', { next_step: 'b' }),
      agent('b', { next_step: 'a' }),
      agent('c', { next_step: 'd' }),
      agent('d', { next_step: 'c' }),
    ]);
    expect(codesAt(def)).toEqual([
      { code: 'cycle', pointer: '/steps/0' },
      { code: 'cycle', pointer: '/steps/2' },
    ]);
  });

  it('finds cycles inside branches and in a conditional loop body', () => {
    const def = sequential([
      {
        id: 'f',
        type: 'fork_join',
        branches: [{ name: 'b', steps: [agent('x'), agent('y', { next_step: 'x' })] }],
      },
      {
        id: 'l',
        type: 'loop',
        loop_over: '${workflow.input.items}',
        loop_step: conditional('again', 'again', 'again'),
      },
    ]);
    expect(codesAt(def)).toEqual([
      { code: 'cycle', pointer: '/steps/0/branches/0/steps/0' },
      { code: 'cycle', pointer: '/steps/1/loop_step' },
    ]);
  });

  it('accepts a conditional that skips ahead', () => {
    expectValid(sequential([conditional('c', 'b', 'd'), agent('b'), agent('d')]));
  });
});
