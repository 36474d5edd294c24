import { describe, expect, it } from 'vitest';
import { replay } from './evolve';
import { RunDriver } from './testing/run-driver';

const agent = (id: string, extra: object = {}) => ({ id, agent_name: 'a', ...extra });
const def = (block: object, after: object[] = [agent('after')]) => ({
  workflow_id: 'p',
  name: 'P',
  steps: [block, ...after],
});
const par = (n: number, extra: object = {}) => ({
  id: 'par',
  type: 'parallel',
  parallel_steps: Array.from({ length: n }, (_, i) => agent(`c${i}`)),
  ...extra,
});

describe('F1 parallel', () => {
  it('starts every child together and aggregates outputs by child id', () => {
    const run = new RunDriver(def(par(3)), { x: 1 });
    expect(run.running()).toEqual(['par/c0', 'par/c1', 'par/c2']);
    expect(
      run.events.find((e) => e.step_path === 'par/c1' && e.type === 'StepScheduled')?.data,
    ).toMatchObject({ input: { x: 1 }, parent_path: 'par' });
    run.ok('par/c1', 'one');
    run.ok('par/c0', 'zero');
    expect(run.running()).toEqual(['par/c2']);
    const last = run.ok('par/c2', 'two');
    expect(run.types(last)).toEqual(['StepCompleted:par/c2', 'StepCompleted:par', 'StepScheduled:after']);
    expect(last[1]!.data).toMatchObject({ output: { c0: 'zero', c1: 'one', c2: 'two' } });
    expect(last[2]!.data).toMatchObject({ input: { c0: 'zero', c1: 'one', c2: 'two' } });
  });

  it('never runs more than max_parallelism children; starts more as slots free', () => {
    const run = new RunDriver(def(par(5, { max_parallelism: 2 })));
    expect(run.running()).toEqual(['par/c0', 'par/c1']);
    run.ok('par/c1', 1);
    expect(run.running()).toEqual(['par/c0', 'par/c2']);
    run.ok('par/c0', 0);
    run.ok('par/c2', 2);
    expect(run.running()).toEqual(['par/c3', 'par/c4']);
    run.ok('par/c3', 3);
    run.ok('par/c4', 4);
    expect(run.state?.steps.par?.status).toBe('COMPLETED');
  });

  it('fail_fast (default): the first failure cancels the running children and fails the block and the run', () => {
    const run = new RunDriver(def(par(3)));
    const events = run.fail('par/c1', 'http_400');
    expect(run.types(events)).toEqual([
      'StepAttemptFailed:par/c1',
      'StepFailed:par/c1',
      'StepDeadLettered:par/c1',
      'StepCancelled:par/c0',
      'StepCancelled:par/c2',
      'StepFailed:par',
      'RunFailed',
    ]);
    expect(run.state?.error).toMatchObject({ kind: 'http_400', step_path: 'par' });
    // Late results of cancelled children are ignored.
    expect(run.ok('par/c0', 'late')).toEqual([]);
  });

  it('fail_fast false: every child finishes, then the block fails with the first error', () => {
    const run = new RunDriver(def(par(3, { fail_fast: false, max_parallelism: 1 })));
    run.fail('par/c0');
    expect(run.running()).toEqual(['par/c1']);
    run.ok('par/c1', 1);
    expect(run.status).toBe('RUNNING');
    const events = run.ok('par/c2', 2);
    expect(run.types(events)).toEqual(['StepCompleted:par/c2', 'StepFailed:par', 'RunFailed']);
    expect(events[1]!.data).toMatchObject({
      error: { kind: 'http_400', details: { failed_child: 'par/c0' } },
    });
  });

  it('duplicate child results decide to nothing; replay reproduces the state', () => {
    const run = new RunDriver(def(par(2)));
    run.ok('par/c0', 0);
    expect(run.ok('par/c0', 0)).toEqual([]);
    run.ok('par/c1', 1);
    expect(replay(JSON.parse(JSON.stringify(run.events)))).toEqual(JSON.parse(JSON.stringify(run.state)));
  });

  it('a parallel block times out through its durable timer', () => {
    const run = new RunDriver(def(par(2, { timeout_seconds: 5 })));
    const timer = run.events.find((e) => e.type === 'TimerRequested');
    expect(timer?.data).toEqual({
      timer_id: 'par#1#step_timeout',
      purpose: 'step_timeout',
      fire_at: '2026-01-01T00:00:05.000Z',
    });
    run.ok('par/c0', 0);
    const events = run.fire('par#1#step_timeout');
    expect(run.types(events)).toEqual(['StepCancelled:par/c1', 'StepTimedOut:par', 'RunFailed']);
    expect(run.fire('par#1#step_timeout')).toEqual([]);
  });
});

describe('agent step timeout', () => {
  it('an agent step with timeout_seconds has a durable timer; when it fires first, the step times out and its late result is ignored', () => {
    const run = new RunDriver({
      workflow_id: 't',
      name: 'T',
      steps: [{ id: 'slow', agent_name: 'a', timeout_seconds: 3 }],
    });
    expect(run.events.find((e) => e.type === 'StepScheduled')?.data).toMatchObject({ timeout_ms: 3000 });
    expect(run.events.find((e) => e.type === 'TimerRequested')?.data).toMatchObject({
      timer_id: 'slow#1#step_timeout',
    });
    const events = run.fire('slow#1#step_timeout');
    expect(run.types(events)).toEqual(['StepTimedOut:slow', 'StepDeadLettered:slow', 'RunFailed']);
    expect(run.state?.error).toMatchObject({ kind: 'timeout', step_path: 'slow' });
    expect(run.ok('slow', 'late')).toEqual([]);
  });
});
