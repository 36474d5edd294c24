import type { Command, RunEvent } from '@weft/contracts';
import { describe, expect, it } from 'vitest';
import { decide } from './decider';
import { replay } from './evolve';
import { endedRunState } from './run-state';
import { given } from './testing/decider-spec';
import { RUN, RunDriver, T0 } from './testing/run-driver';

/** F7 DLQ replay mode `step`: RedriveStep reopens a FAILED run and runs the failed step again. */
const def = (retry: object = { max_attempts: 1 }) => ({
  workflow_id: 'rd',
  name: 'RD',
  steps: [
    { id: 'prepare', agent_name: 'a' },
    { id: 'charge', agent_name: 'pay', input_mapping: { n: '${prepare.output.n}' }, retry_config: retry },
    { id: 'ship', agent_name: 'a', input_mapping: { charged: '${charge.output}' } },
  ],
});

const redrive = (entryId: string, history: RunEvent[], path = 'charge'): Command => ({
  type: 'RedriveStep',
  run_id: RUN,
  step_path: path,
  entry_id: entryId,
  history,
  requested_at: T0,
});

/** A run whose `charge` failed for good; returns the driver and the DLQ entry id. */
function failedRun(retry?: object): { run: RunDriver; entry: string } {
  const run = new RunDriver(def(retry));
  run.ok('prepare', { n: 7 });
  run.fail('charge', 'http_400');
  const dl = run.events.find((e) => e.type === 'StepDeadLettered');
  expect(run.status).toBe('FAILED');
  return { run, entry: (dl!.data as { entry_id: string }).entry_id };
}

describe('RedriveStep', () => {
  it('reopens the failed run and schedules the step again with the same input; the run then goes on', () => {
    const { run, entry } = failedRun();
    given(run.events)
      .when(redrive(entry, run.events))
      .then([
        { type: 'StepRedriven', step_path: 'charge', data: { entry_id: entry, attempt_base: 1 } },
        {
          type: 'StepScheduled',
          step_path: 'charge',
          data: { attempt: 2, invocation_id: `${RUN}/charge#2`, input: { n: 7 }, agent_name: 'pay' },
        },
      ]);
    run.send(redrive(entry, run.events));
    expect(run.status).toBe('RUNNING');
    expect(run.state?.error).toBeUndefined();
    run.ok('charge', 'paid', 2);
    expect(run.running()).toEqual(['ship']);
    run.ok('ship', 'shipped');
    expect(run.status).toBe('COMPLETED');
    // The whole stream, re-drive included, replays to the same end.
    expect(replay(run.events)).toMatchObject({ status: 'COMPLETED', output: 'shipped' });
  });

  it('works from the stub the scheduler keeps of an ended run, with the run history sent along', () => {
    const { run, entry } = failedRun();
    const stub = endedRunState(run.state!);
    const decided = decide(stub, redrive(entry, run.events), { now: T0 });
    expect(decided.events.map((e) => e.type)).toEqual(['StepRedriven', 'StepScheduled']);
    expect(decided.state?.steps.charge?.status).toBe('RUNNING');
    expect(decided.events[0]!.seq).toBe(run.state!.seq + 1);
    // A history that stops short of the run's end is refused.
    const short = decide(endedRunState(run.state!), redrive(entry, run.events.slice(0, -1)), { now: T0 });
    expect(short.events).toMatchObject([
      {
        type: 'CommandRejected',
        data: { command_type: 'RedriveStep', reason: expect.stringMatching(/history/) },
      },
    ]);
  });

  it('gives the step a fresh retry budget, with attempt numbers going on; failing again is a new entry', () => {
    const run = new RunDriver(def({ max_attempts: 2, type: 'immediate' }));
    run.ok('prepare', { n: 1 });
    run.fail('charge', 'http_503');
    run.fire('charge#1#retry');
    run.fail('charge', 'http_503', 2);
    const first = run.events.findLast((e) => e.type === 'StepDeadLettered')!;
    expect(first.data).toMatchObject({ attempts: 2 });
    const entry = (first.data as { entry_id: string }).entry_id;

    run.send(redrive(entry, run.events));
    expect(run.types(run.fail('charge', 'http_503', 3))).toEqual([
      'StepAttemptFailed:charge',
      'StepRetryScheduled:charge',
      'TimerRequested:charge',
    ]);
    run.fire('charge#3#retry');
    const again = run.fail('charge', 'http_503', 4);
    expect(run.types(again)).toEqual([
      'StepAttemptFailed:charge',
      'StepFailed:charge',
      'StepDeadLettered:charge',
      'RunFailed',
    ]);
    const second = again.find((e) => e.type === 'StepDeadLettered')!;
    expect(second.data).toMatchObject({ attempts: 2, invocation_id: `${RUN}/charge#4` });
    expect((second.data as { entry_id: string }).entry_id).not.toBe(entry);
    // The first entry was re-driven already: re-driving it again does nothing, even now the run failed again.
    given(run.events).when(redrive(entry, run.events)).thenNothingHappened();
  });

  it('a second re-drive of the same entry decides to nothing', () => {
    const { run, entry } = failedRun();
    run.send(redrive(entry, run.events));
    given(run.events).when(redrive(entry, run.events)).thenNothingHappened();
  });

  it('refuses a run that is not FAILED, and a step that is not the one that failed the run', () => {
    const running = new RunDriver(def());
    given(running.events)
      .when(redrive(`${RUN}.9`, running.events))
      .then([{ type: 'CommandRejected', data: { reason: 'run is RUNNING, not FAILED' } }]);

    const { run } = failedRun();
    given(run.events)
      .when(redrive(`${RUN}.99`, run.events, 'prepare'))
      .then([
        { type: 'CommandRejected', data: { reason: expect.stringMatching(/prepare is not a failed/) } },
      ]);

    const par = new RunDriver({
      workflow_id: 'p',
      name: 'P',
      steps: [{ id: 'par', type: 'parallel', parallel_steps: [{ id: 'c', agent_name: 'a' }] }],
    });
    par.fail('par/c');
    given(par.events)
      .when(redrive(`${RUN}.5`, par.events, 'par/c'))
      .then([
        {
          type: 'CommandRejected',
          data: { reason: expect.stringMatching(/not the step that failed the run \(par\)/) },
        },
      ]);
  });

  it('a re-drive of a run that never started decides to nothing', () => {
    given([])
      .when(redrive(`${RUN}.2`, []))
      .thenNothingHappened();
  });
});
