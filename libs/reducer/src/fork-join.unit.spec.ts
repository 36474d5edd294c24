import { describe, expect, it } from 'vitest';
import { RunDriver } from './testing/run-driver';

const branch = (name: string, steps = 2, extra: object = {}) => ({
  name,
  steps: Array.from({ length: steps }, (_, i) => ({ id: `${name}_s${i}`, agent_name: 'a' })),
  ...extra,
});
const fj = (policy: string, branches: object[], extra: object = {}) => ({
  workflow_id: 'f',
  name: 'F',
  steps: [{ id: 'fj', type: 'fork_join', join_policy: policy, branches, ...extra }],
});

describe('F4 fork-join', () => {
  it('ALL: branches of several steps run side by side; output keyed by branch name', () => {
    const run = new RunDriver(fj('ALL', [branch('a'), branch('b')]), { q: 1 });
    expect(run.running()).toEqual(['fj/a/a_s0', 'fj/b/b_s0']);
    run.ok('fj/a/a_s0', 'a0');
    expect(run.events.at(-1)?.data).toMatchObject({ input: 'a0', branch_name: 'a' });
    run.ok('fj/b/b_s0', 'b0');
    run.ok('fj/a/a_s1', 'a1');
    expect(run.events.at(-1)).toMatchObject({
      type: 'BranchCompleted',
      data: { branch_name: 'a', status: 'COMPLETED', output: 'a1' },
    });
    const last = run.ok('fj/b/b_s1', 'b1');
    expect(run.types(last)).toEqual([
      'StepCompleted:fj/b/b_s1',
      'BranchCompleted:fj',
      'JoinResolved:fj',
      'StepCompleted:fj',
      'RunCompleted',
    ]);
    expect(run.state?.output).toEqual({ a: 'a1', b: 'b1' });
  });

  it('ALL fails as soon as one branch fails, cancelling the others', () => {
    const run = new RunDriver(fj('ALL', [branch('a'), branch('b'), branch('c')]));
    const events = run.fail('fj/b/b_s0');
    expect(run.types(events)).toEqual([
      'StepAttemptFailed:fj/b/b_s0',
      'StepFailed:fj/b/b_s0',
      'StepDeadLettered:fj/b/b_s0',
      'BranchCompleted:fj',
      'JoinResolved:fj',
      'StepCancelled:fj/a/a_s0',
      'BranchCompleted:fj',
      'StepCancelled:fj/c/c_s0',
      'BranchCompleted:fj',
      'StepFailed:fj',
      'RunFailed',
    ]);
    expect(events.find((e) => e.type === 'JoinResolved')?.data).toMatchObject({
      satisfied: false,
      n_required: 3,
      failed: ['b'],
    });
    expect(run.state?.error).toMatchObject({ kind: 'JOIN_FAILED' });
    expect(run.ok('fj/a/a_s0', 'late')).toEqual([]);
  });

  it('ANY completes with the first branch to finish and cancels the rest', () => {
    const run = new RunDriver(fj('ANY', [branch('a', 1), branch('b', 1)]));
    const events = run.ok('fj/b/b_s0', 'b!');
    expect(run.types(events)).toEqual([
      'StepCompleted:fj/b/b_s0',
      'BranchCompleted:fj',
      'JoinResolved:fj',
      'StepCancelled:fj/a/a_s0',
      'BranchCompleted:fj',
      'StepCompleted:fj',
      'RunCompleted',
    ]);
    expect(run.state?.output).toEqual({ b: 'b!' });
  });

  it('MAJORITY resolves at 2 of 3; fails once 2 of 3 have failed', () => {
    const ok = new RunDriver(fj('MAJORITY', [branch('a', 1), branch('b', 1), branch('c', 1)]));
    ok.ok('fj/a/a_s0', 1);
    expect(ok.status).toBe('RUNNING');
    ok.ok('fj/c/c_s0', 3);
    expect(ok.state?.output).toEqual({ a: 1, c: 3 });
    const bad = new RunDriver(fj('MAJORITY', [branch('a', 1), branch('b', 1), branch('c', 1)]));
    bad.fail('fj/a/a_s0');
    expect(bad.status).toBe('RUNNING');
    bad.fail('fj/b/b_s0');
    expect(bad.status).toBe('FAILED');
  });

  it('N_OF_M with n_required', () => {
    const run = new RunDriver(
      fj('N_OF_M', [branch('a', 1), branch('b', 1), branch('c', 1), branch('d', 1)], { n_required: 3 }),
    );
    run.ok('fj/a/a_s0', 1);
    run.fail('fj/b/b_s0');
    run.ok('fj/c/c_s0', 3);
    expect(run.status).toBe('RUNNING');
    run.ok('fj/d/d_s0', 4);
    expect(run.state?.output).toEqual({ a: 1, c: 3, d: 4 });
  });

  it('a branch timeout times the branch out and the policy decides', () => {
    const run = new RunDriver(fj('ANY', [branch('slow', 1, { timeout_seconds: 2 }), branch('other', 2)]));
    expect(run.events.filter((e) => e.type === 'TimerRequested').map((e) => e.data)).toEqual([
      {
        timer_id: 'fj/slow#1#branch_timeout',
        purpose: 'branch_timeout',
        fire_at: '2026-01-01T00:00:02.000Z',
      },
    ]);
    const events = run.fire('fj/slow#1#branch_timeout');
    expect(run.types(events)).toEqual(['StepCancelled:fj/slow/slow_s0', 'BranchCompleted:fj']);
    expect(events[1]?.data).toMatchObject({ branch_name: 'slow', status: 'TIMED_OUT' });
    run.ok('fj/other/other_s0', 1);
    run.ok('fj/other/other_s1', 2);
    expect(run.state?.output).toEqual({ other: 2 });
    // The slow branch's late result and a repeated timer are ignored.
    expect(run.ok('fj/slow/slow_s0', 'late')).toEqual([]);
    expect(run.fire('fj/slow#1#branch_timeout')).toEqual([]);
  });

  it('ALL with a timed-out branch fails', () => {
    const run = new RunDriver(fj('ALL', [branch('slow', 1, { timeout_seconds: 1 }), branch('fast', 1)]));
    run.ok('fj/fast/fast_s0', 1);
    run.fire('fj/slow#1#branch_timeout');
    expect(run.status).toBe('FAILED');
    expect(run.state?.error?.message).toContain('needs 2 of 2');
  });
});

describe('nesting', () => {
  it('a loop whose body is a fork-join with a parallel block inside completes with the nested outputs', () => {
    const def = {
      workflow_id: 'nest',
      name: 'Nest',
      steps: [
        {
          id: 'each',
          type: 'loop',
          loop_over: '${workflow.input.items}',
          execution_mode: 'parallel',
          max_parallelism: 2,
          loop_step: {
            id: 'fj',
            type: 'fork_join',
            branches: [
              {
                name: 'left',
                steps: [
                  {
                    id: 'par',
                    type: 'parallel',
                    parallel_steps: [
                      { id: 'p1', agent_name: 'a', input_mapping: { v: '${loop.item}' } },
                      { id: 'p2', agent_name: 'a' },
                    ],
                  },
                ],
              },
              {
                name: 'right',
                steps: [
                  {
                    id: 'r',
                    agent_name: 'a',
                    input_mapping: { branch: '${branch.name}', i: '${loop.index}' },
                  },
                ],
              },
            ],
          },
        },
      ],
    };
    const run = new RunDriver(def, { items: ['x', 'y', 'z'] });
    expect(run.running()).toEqual([
      'each[0]/fj/left/par/p1',
      'each[0]/fj/left/par/p2',
      'each[0]/fj/right/r',
      'each[1]/fj/left/par/p1',
      'each[1]/fj/left/par/p2',
      'each[1]/fj/right/r',
    ]);
    expect(run.events.find((e) => e.step_path === 'each[1]/fj/right/r')?.data).toMatchObject({
      input: { branch: 'right', i: 1 },
    });
    expect(run.events.find((e) => e.step_path === 'each[1]/fj/left/par/p1')?.data).toMatchObject({
      input: { v: 'y' },
    });
    for (let i = 0; i < 3; i++) {
      run.ok(`each[${i}]/fj/left/par/p1`, `p1-${i}`);
      run.ok(`each[${i}]/fj/left/par/p2`, `p2-${i}`);
      run.ok(`each[${i}]/fj/right/r`, `r-${i}`);
    }
    expect(run.status).toBe('COMPLETED');
    expect((run.state?.output as unknown[])[2]).toEqual({ left: { p1: 'p1-2', p2: 'p2-2' }, right: 'r-2' });
  });
});
