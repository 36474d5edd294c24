import { describe, expect, it } from 'vitest';
import { replay } from './evolve';
import { RunDriver } from './testing/run-driver';

const def = (step: object = {}) => ({
  workflow_id: 'r',
  name: 'R',
  steps: [
    { id: 'call', agent_name: 'a', ...step },
    { id: 'next', agent_name: 'a' },
  ],
});

describe('F6 retry in the reducer', () => {
  it('a retryable failure schedules the next attempt on a durable timer, with the delay written into the event', () => {
    const run = new RunDriver(def({ retry_config: { initial_delay_ms: 1000, jitter: false } }), { x: 1 });
    const events = run.fail('call', 'http_503');
    expect(run.types(events)).toEqual([
      'StepAttemptFailed:call',
      'StepRetryScheduled:call',
      'TimerRequested:call',
    ]);
    expect(events[1]!.data).toMatchObject({
      attempt: 1,
      next_attempt: 2,
      delay_ms: 1000,
      fire_at: '2026-01-01T00:00:01.000Z',
      timer_id: 'call#1#retry',
    });
    expect(run.state?.steps.call?.status).toBe('WAITING');
    // A duplicate report of the failed attempt while waiting decides to nothing.
    expect(run.fail('call', 'http_503')).toEqual([]);
    const retried = run.fire('call#1#retry');
    expect(retried).toMatchObject([
      {
        type: 'StepScheduled',
        step_path: 'call',
        data: { attempt: 2, invocation_id: expect.stringContaining('call#2'), input: { x: 1 } },
      },
    ]);
    expect(run.fire('call#1#retry')).toEqual([]);
    run.ok('call', 'ok', 2);
    expect(run.running()).toEqual(['next']);
  });

  it('fails the step and the run when attempts run out, naming the attempts', () => {
    const run = new RunDriver(def({ retry_config: { max_attempts: 2, jitter: false } }));
    run.fail('call', 'timeout');
    run.fire('call#1#retry');
    const events = run.fail('call', 'timeout', 2);
    expect(run.types(events)).toEqual([
      'StepAttemptFailed:call',
      'StepFailed:call',
      'StepDeadLettered:call',
      'RunFailed',
    ]);
    expect(run.state?.error).toMatchObject({ kind: 'timeout', details: { attempts: 2 } });
  });

  it('a non-retryable error fails at once', () => {
    const run = new RunDriver(def());
    expect(run.types(run.fail('call', 'http_400'))).toEqual([
      'StepAttemptFailed:call',
      'StepFailed:call',
      'StepDeadLettered:call',
      'RunFailed',
    ]);
  });

  it('the default policy: 3 attempts, exponential from 1 s, jitter from the context', () => {
    const run = new RunDriver(def());
    run.now = '2026-01-01T00:00:00.000Z';
    const delays: number[] = [];
    const first = run.fail('call', 'connection');
    delays.push(first.find((e) => e.type === 'StepRetryScheduled')!.data.delay_ms as number);
    run.fire('call#1#retry');
    const second = run.fail('call', 'http_502', 2);
    delays.push(second.find((e) => e.type === 'StepRetryScheduled')!.data.delay_ms as number);
    run.fire('call#2#retry');
    expect(run.types(run.fail('call', 'http_502', 3)).slice(-1)).toEqual(['RunFailed']);
    // The driver's context has no random source: jitter sits at its midpoint.
    expect(delays).toEqual([1000, 2000]);
  });

  it('the agent registry policy applies under the step override, field by field', () => {
    const agents = {
      a: { retry_config: { type: 'fixed_delay', initial_delay_ms: 700, jitter: false, max_attempts: 2 } },
    };
    const fromAgent = new RunDriver(def(), {}, agents);
    expect(
      fromAgent.fail('call', 'http_500').find((e) => e.type === 'StepRetryScheduled')?.data,
    ).toMatchObject({ delay_ms: 700 });
    fromAgent.fire('call#1#retry');
    expect(fromAgent.types(fromAgent.fail('call', 'http_500', 2)).at(-1)).toBe('RunFailed');
    const overridden = new RunDriver(def({ retry_config: { initial_delay_ms: 50 } }), {}, agents);
    expect(
      overridden.fail('call', 'http_500').find((e) => e.type === 'StepRetryScheduled')?.data,
    ).toMatchObject({ delay_ms: 50 });
  });

  it('a run cancelled while waiting ignores the retry timer; replay reproduces the state', () => {
    const run = new RunDriver({
      workflow_id: 'r',
      name: 'R',
      timeout_seconds: 5,
      steps: [{ id: 'call', agent_name: 'a' }],
    });
    run.fail('call', 'http_500');
    run.fire('run#run_timeout');
    expect(run.status).toBe('TIMED_OUT');
    expect(run.state?.steps.call?.status).toBe('CANCELLED');
    expect(run.fire('call#1#retry')).toEqual([]);
    expect(replay(JSON.parse(JSON.stringify(run.events)))).toEqual(JSON.parse(JSON.stringify(run.state)));
  });
});
