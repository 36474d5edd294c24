import { describe, expect, it } from 'vitest';
import { replay } from './evolve';
import { RunDriver } from './testing/run-driver';

const def = (condition: string, extra: object[] = []) => ({
  workflow_id: 'c',
  name: 'C',
  steps: [
    { id: 'score', agent_name: 'a' },
    { id: 'route', type: 'conditional', condition, if_true_step: 'yes', if_false_step: 'no' },
    { id: 'yes', agent_name: 'a', input_mapping: { took: 'yes' }, next_step: null },
    { id: 'no', agent_name: 'a' },
    ...extra,
  ],
});

describe('F2 conditional', () => {
  it('evaluates where it runs, records the decision and jumps to if_true_step', () => {
    const run = new RunDriver(
      def('${score.output.value} > 10 and ${workflow.input.tier} in ["gold", "silver"]'),
      { tier: 'gold' },
    );
    const events = run.ok('score', { value: 42 });
    expect(run.types(events)).toEqual([
      'StepCompleted:score',
      'StepStarted:route',
      'ConditionEvaluated:route',
      'StepCompleted:route',
      'StepScheduled:yes',
    ]);
    expect(events[2]!.data).toEqual({
      step_id: 'route',
      condition_expression: '${score.output.value} > 10 and ${workflow.input.tier} in ["gold", "silver"]',
      condition_result: true,
      branch_taken: 'yes',
    });
    expect(events[3]!.data).toMatchObject({ output: { result: true, branch_taken: 'yes' } });
    run.ok('yes', 'done');
    expect(run.state?.output).toBe('done');
  });

  it('takes if_false_step, and the step after it receives what the conditional received', () => {
    const run = new RunDriver(def('${score.output.value} > 10'));
    const events = run.ok('score', { value: 3 });
    expect(events.at(-1)).toMatchObject({
      type: 'StepScheduled',
      step_path: 'no',
      data: { input: { value: 3 } },
    });
    expect(events.find((e) => e.type === 'ConditionEvaluated')?.data).toMatchObject({
      condition_result: false,
      branch_taken: 'no',
    });
  });

  it('a condition that cannot be evaluated (missing value, type error) fails the step and the run with the reason', () => {
    const missing = new RunDriver(def('${score.output.nothing} > 10'));
    missing.ok('score', {});
    expect(missing.state?.error).toMatchObject({ kind: 'REFERENCE_NOT_FOUND', step_path: 'route' });
    const typed = new RunDriver(def('${score.output.value} > 3'));
    typed.ok('score', { value: '5' });
    expect(typed.status).toBe('FAILED');
    expect(typed.state?.steps.route?.status).toBe('FAILED');
  });

  it('a ?? default keeps a missing value from failing', () => {
    const run = new RunDriver(def('${score.output.nothing ?? 0} > 10'));
    run.ok('score', {});
    expect(run.running()).toEqual(['no']);
  });

  it('replay reproduces the state', () => {
    const run = new RunDriver(def('${score.output.value} > 10'));
    run.ok('score', { value: 11 });
    run.ok('yes', 1);
    expect(replay(JSON.parse(JSON.stringify(run.events)))).toEqual(JSON.parse(JSON.stringify(run.state)));
  });
});

describe('run timeout', () => {
  it('a run with timeout_seconds gets a durable timer; when it fires the running steps are cancelled and the run times out', () => {
    const run = new RunDriver({
      workflow_id: 't',
      name: 'T',
      timeout_seconds: 30,
      steps: [
        {
          id: 'par',
          type: 'parallel',
          parallel_steps: [
            { id: 'x', agent_name: 'a' },
            { id: 'y', agent_name: 'a' },
          ],
        },
      ],
    });
    expect(run.events.find((e) => e.type === 'TimerRequested')?.data).toEqual({
      timer_id: 'run#run_timeout',
      purpose: 'run_timeout',
      fire_at: '2026-01-01T00:00:30.000Z',
    });
    run.ok('par/x', 1);
    const events = run.fire('run#run_timeout');
    expect(run.types(events)).toEqual(['StepCancelled:par/y', 'StepCancelled:par', 'RunTimedOut']);
    expect(run.status).toBe('TIMED_OUT');
    expect(run.ok('par/y', 'late')).toEqual([]);
    expect(run.fire('run#run_timeout')).toEqual([]);
  });

  it('a timer for a finished run or an unknown timer decides to nothing', () => {
    const run = new RunDriver({
      workflow_id: 't',
      name: 'T',
      timeout_seconds: 30,
      steps: [{ id: 'a', agent_name: 'a' }],
    });
    run.ok('a', 1);
    expect(run.status).toBe('COMPLETED');
    expect(run.fire('run#run_timeout')).toEqual([]);
    expect(run.fire('garbage')).toEqual([]);
  });
});
