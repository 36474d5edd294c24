import { describe, expect, it } from 'vitest';
import { agent, codesAt, detailsOf, expectValid, sequential } from '../fixtures/definitions';
import { orderLifecycle } from '../fixtures/state-machine';

describe('step ids', () => {
  it('reports a duplicate at the second occurrence, naming the first', () => {
    expect(detailsOf(sequential([agent('a'), agent('b'), agent('a')]))).toEqual([
      {
        pointer: '/steps/2/id',
        code: 'duplicate_id',
        message: 'duplicate step id "a" (first defined at /steps/0/id)',
      },
    ]);
  });

  it('finds duplicates across nesting: parallel children, loop bodies, branches', () => {
    const steps = [
      agent('x'),
      { id: 'p', type: 'parallel', parallel_steps: [agent('x'), agent('y')] },
      { id: 'l', type: 'loop', loop_over: '${workflow.input.items}', loop_step: agent('y') },
      { id: 'f', type: 'fork_join', branches: [{ name: 'b1', steps: [agent('l')] }] },
    ];
    expect(codesAt(sequential(steps))).toEqual([
      { code: 'duplicate_id', pointer: '/steps/1/parallel_steps/0/id' },
      { code: 'duplicate_id', pointer: '/steps/2/loop_step/id' },
      { code: 'duplicate_id', pointer: '/steps/3/branches/0/steps/0/id' },
    ]);
  });

  it('finds duplicates among state actions', () => {
    const def = structuredClone(orderLifecycle);
    def.states.paid.exit_action.id = 'reserve-stock';
    expect(codesAt(def)).toEqual([{ code: 'duplicate_id', pointer: '/states/paid/exit_action/id' }]);
  });

  it.each(['workflow', 'loop', 'branch', 'event', 'run', 'state', 'schedule', 'now'])(
    'refuses the reserved id %s',
    (id) => {
      expect(codesAt(sequential([agent(id)]))).toEqual([{ code: 'reserved_id', pointer: '/steps/0/id' }]);
    },
  );

  it('refuses prototype names as step ids and state names', () => {
    expect(
      codesAt(sequential([{ id: 'p', type: 'parallel', parallel_steps: [agent('constructor')] }])),
    ).toEqual([{ code: 'reserved_id', pointer: '/steps/0/parallel_steps/0/id' }]);
    const def = {
      ...orderLifecycle,
      states: { ...orderLifecycle.states, prototype: { transitions: [], terminal: true } },
    };
    expect(codesAt(def)).toEqual([{ code: 'reserved_id', pointer: '/states/prototype' }]);
  });

  it('accepts ids that only resemble reserved words', () => {
    expectValid(sequential([agent('workflows'), agent('run-1'), agent('loop_step')]));
  });

  it('reports id problems along with schema errors', () => {
    const def = sequential([agent('a'), agent('a', { bogus: true }), agent('run')]);
    expect(codesAt(def)).toEqual([
      { code: 'schema', pointer: '/steps/1/bogus' },
      { code: 'duplicate_id', pointer: '/steps/1/id' },
      { code: 'reserved_id', pointer: '/steps/2/id' },
    ]);
  });
});
