import type { Command, RunEvent, StartRun } from '@weft/contracts';
import { describe, expect, it } from 'vitest';
import { decide } from './decider';
import { replay } from './evolve';
import { given } from './testing/decider-spec';
import { RunDriver } from './testing/run-driver';

/** F7: an agent invocation that failed for good becomes a DLQ entry through StepDeadLettered. */
const RUN = '00000000-0000-4000-8000-00000000d1a0';
const AT = '2026-01-01T00:00:00.000Z';

const definition = (step: object = {}, extra: object = {}) => ({
  workflow_id: 'dlq',
  name: 'DLQ',
  steps: [
    { id: 'charge', agent_name: 'payments', input_mapping: { order: '${workflow.input.order}' }, ...step },
  ],
  ...extra,
});

const start = (def: object = definition()): StartRun => ({
  type: 'StartRun',
  run_id: RUN,
  workflow_id: 'dlq',
  version: 3,
  definition: def as Record<string, unknown>,
  input: { order: 'o-1' },
  requested_at: AT,
});

const failed = (path: string, kind: string, attempt = 1): Command => ({
  type: 'ReportStepResult',
  run_id: RUN,
  step_path: path,
  attempt,
  invocation_id: `${RUN}/${path}#${attempt}`,
  outcome: { ok: false, error: { kind, message: `${kind} happened` } },
  reported_at: AT,
});
const fire = (timerId: string): Command => ({
  type: 'FireTimer',
  run_id: RUN,
  timer_id: timerId,
  fired_at: AT,
});

function history(...commands: Command[]): RunEvent[] {
  const events: RunEvent[] = [];
  let state;
  for (const c of commands) {
    const d = decide(state, c, { now: AT });
    state = d.state;
    events.push(...d.events);
  }
  return events;
}

describe('StepDeadLettered', () => {
  it('a non-retryable failure dead-letters the invocation at once, with everything a replay needs', () => {
    const events = history(start());
    const decided = given(events)
      .when(failed('charge', 'http_400'))
      .then([
        { type: 'StepAttemptFailed', step_path: 'charge' },
        { type: 'StepFailed', step_path: 'charge' },
        {
          type: 'StepDeadLettered',
          step_path: 'charge',
          data: {
            entry_id: `${RUN}.${events.length + 3}`,
            step_id: 'charge',
            workflow_id: 'dlq',
            version: 3,
            agent_name: 'payments',
            invocation_id: `${RUN}/charge#1`,
            input: { order: 'o-1' },
            error: { kind: 'http_400', step_path: 'charge', details: { attempts: 1 } },
            attempts: 1,
          },
        },
        { type: 'RunFailed', data: { error: { kind: 'http_400', step_path: 'charge' } } },
      ]);
    // The entry id is the event's own seq: replaying the log gives the same id.
    const entry = decided.find((e) => e.type === 'StepDeadLettered')!;
    expect(entry.data).toMatchObject({ entry_id: `${RUN}.${entry.seq}` });
  });

  it('a retryable failure is not dead-lettered until the attempts run out', () => {
    const def = definition({ retry_config: { max_attempts: 2, jitter: false } });
    given(history(start(def)))
      .when(failed('charge', 'http_503'))
      .then([{ type: 'StepAttemptFailed' }, { type: 'StepRetryScheduled' }, { type: 'TimerRequested' }]);
    given(history(start(def), failed('charge', 'http_503'), fire('charge#1#retry')))
      .when(failed('charge', 'http_503', 2))
      .then([
        { type: 'StepAttemptFailed' },
        { type: 'StepFailed' },
        {
          type: 'StepDeadLettered',
          data: { attempts: 2, invocation_id: `${RUN}/charge#2`, error: { details: { attempts: 2 } } },
        },
        { type: 'RunFailed' },
      ]);
  });

  it('a step timeout dead-letters the invocation', () => {
    const def = definition({ timeout_seconds: 5 });
    given(history(start(def)))
      .when(fire('charge#1#step_timeout'))
      .then([
        { type: 'StepTimedOut', step_path: 'charge' },
        { type: 'StepDeadLettered', step_path: 'charge', data: { error: { kind: 'timeout' }, attempts: 1 } },
        { type: 'RunFailed' },
      ]);
  });

  it('a failure the loop absorbs (error_policy continue) is still dead-lettered, and the run goes on', () => {
    const def = {
      workflow_id: 'dlq',
      name: 'DLQ',
      steps: [
        {
          id: 'each',
          type: 'loop',
          loop_over: '${workflow.input.items}',
          error_policy: 'continue',
          loop_step: { id: 'work', agent_name: 'payments', input_mapping: { item: '${loop.item}' } },
        },
      ],
    };
    const begun = history({ ...start(def), input: { items: [1] } });
    given(begun)
      .when(failed('each[0]/work', 'http_400'))
      .then([
        { type: 'StepAttemptFailed' },
        { type: 'StepFailed', step_path: 'each[0]/work' },
        { type: 'StepDeadLettered', step_path: 'each[0]/work', data: { input: { item: 1 } } },
        { type: 'LoopIterationCompleted', data: { ok: false } },
        { type: 'StepCompleted', step_path: 'each' },
        { type: 'RunCompleted' },
      ]);
  });

  it('a failure a fork-join policy absorbs (ANY) is dead-lettered; the run completes with the other branch', () => {
    const run = new RunDriver({
      workflow_id: 'dlq',
      name: 'DLQ',
      steps: [
        {
          id: 'fj',
          type: 'fork_join',
          join_policy: 'ANY',
          branches: [
            { name: 'a', steps: [{ id: 'a1', agent_name: 'payments' }] },
            { name: 'b', steps: [{ id: 'b1', agent_name: 'payments' }] },
          ],
        },
      ],
    });
    expect(run.types(run.fail('fj/a/a1', 'http_400'))).toEqual([
      'StepAttemptFailed:fj/a/a1',
      'StepFailed:fj/a/a1',
      'StepDeadLettered:fj/a/a1',
      'BranchCompleted:fj',
    ]);
    run.ok('fj/b/b1', 'b');
    expect(run.status).toBe('COMPLETED');
  });

  it('with fail_fast false the failed child is dead-lettered at once; the block fails after the others finish', () => {
    const run = new RunDriver({
      workflow_id: 'dlq',
      name: 'DLQ',
      steps: [
        {
          id: 'par',
          type: 'parallel',
          fail_fast: false,
          parallel_steps: [
            { id: 'c0', agent_name: 'payments' },
            { id: 'c1', agent_name: 'payments' },
          ],
        },
      ],
    });
    expect(run.types(run.fail('par/c0', 'http_400'))).toEqual([
      'StepAttemptFailed:par/c0',
      'StepFailed:par/c0',
      'StepDeadLettered:par/c0',
    ]);
    expect(run.types(run.ok('par/c1', 1))).toEqual(['StepCompleted:par/c1', 'StepFailed:par', 'RunFailed']);
    expect(run.state?.error).toMatchObject({ kind: 'http_400', step_path: 'par' });
  });

  it('a mapping that fails before any call is not an invocation: no entry', () => {
    const def = definition({ input_mapping: { order: '${workflow.input.missing}' } });
    const events = history(start(def));
    expect(events.map((e) => e.type)).toEqual(['RunStarted', 'StepStarted', 'StepFailed', 'RunFailed']);
  });

  it('a duplicate report of the final failure adds no second entry, and replay keeps the state', () => {
    const events = history(start(), failed('charge', 'http_400'));
    given(events).when(failed('charge', 'http_400')).thenNothingHappened();
    expect(replay(events)?.status).toBe('FAILED');
  });
});
