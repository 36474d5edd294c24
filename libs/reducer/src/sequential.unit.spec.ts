import type { Command, RunEvent, StartRun } from '@weft/contracts';
import { describe, expect, it } from 'vitest';
import { decide } from './decider';
import { replay } from './evolve';
import { given, stamp } from './testing/decider-spec';

const RUN = '00000000-0000-4000-8000-000000000001';
const AT = '2026-01-01T00:00:00.000Z';

const definition = {
  workflow_id: 'three-steps',
  name: 'Three steps',
  steps: [
    { id: 'fetch', agent_name: 'a', input_mapping: { order: '${workflow.input.order}' } },
    {
      id: 'enrich',
      agent_name: 'a',
      input_mapping: { total: '${fetch.output.total}', id: '${workflow.input.order.id}' },
    },
    { id: 'ship', agent_name: 'a' },
  ],
  output_mapping: { tracking: '${ship.output.tracking}', total: '${fetch.output.total}' },
};

const start = (def: object = definition, extra: Partial<StartRun> = {}): StartRun => ({
  type: 'StartRun',
  run_id: RUN,
  workflow_id: 'three-steps',
  version: 1,
  definition: def as Record<string, unknown>,
  input: { order: { id: 'o-1', total: 120 } },
  requested_at: AT,
  ...extra,
});

const ok = (stepPath: string, output: unknown, attempt = 1): Command => ({
  type: 'ReportStepResult',
  run_id: RUN,
  step_path: stepPath,
  attempt,
  invocation_id: `${RUN}/${stepPath}#${attempt}`,
  outcome: { ok: true, output },
  reported_at: AT,
});

const failed = (stepPath: string, kind: string): Command => ({
  type: 'ReportStepResult',
  run_id: RUN,
  step_path: stepPath,
  attempt: 1,
  invocation_id: `${RUN}/${stepPath}#1`,
  outcome: { ok: false, error: { kind, message: `${kind} happened` } },
  reported_at: AT,
});

/** Run commands through decide/evolve as the scheduler does, returning every event. */
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

describe('StartRun', () => {
  it('records the definition snapshot and schedules the first step with its mapped input', () => {
    given([])
      .when(start())
      .then([
        {
          type: 'RunStarted',
          data: { workflow_id: 'three-steps', version: 1, definition, root_run_id: RUN, nesting_level: 0 },
        },
        {
          type: 'StepScheduled',
          step_path: 'fetch',
          data: {
            step_id: 'fetch',
            step_type: 'agent',
            attempt: 1,
            invocation_id: `${RUN}/fetch#1`,
            agent_name: 'a',
            input: { order: { id: 'o-1', total: 120 } },
          },
        },
      ]);
  });

  it('a duplicate start (same run id) decides to nothing', () => {
    given(history(start())).when(start()).thenNothingHappened();
  });

  it('starts at start_step when given', () => {
    const def = { ...definition, start_step: 'enrich' };
    given([])
      .when(start(def, { input: { order: { id: 'x' } } }))
      .then([
        { type: 'RunStarted' },
        { type: 'StepStarted', step_path: 'enrich' },
        { type: 'StepFailed', step_path: 'enrich', data: { error: { kind: 'MAPPING_FAILED' } } },
        { type: 'RunFailed' },
      ]);
  });

  it('an invalid definition snapshot starts and fails the run with every error', () => {
    given([])
      .when(
        start({
          workflow_id: 'bad',
          name: 'Bad',
          steps: [{ id: 'a', agent_name: 'x', next_step: 'nowhere' }],
        }),
      )
      .then([{ type: 'RunStarted' }, { type: 'RunFailed', data: { error: { kind: 'VALIDATION_FAILED' } } }]);
  });

  it('a step type whose execution is not built yet fails the run with NOT_SUPPORTED_YET naming it', () => {
    const def = {
      workflow_id: 'w',
      name: 'W',
      steps: [{ id: 'wait', type: 'wait_for_event', event_type: 'approved' }],
    };
    const [, failedRun] = given([])
      .when(start(def))
      .then([{ type: 'RunStarted' }, { type: 'RunFailed', data: { error: { kind: 'NOT_SUPPORTED_YET' } } }]);
    expect(JSON.stringify(failedRun)).toContain('wait_for_event');
  });

  it('a correlation id is carried on lifecycle events', () => {
    const events = history(
      start(definition, { correlation_id: 'c-1' }),
      ok('fetch', { total: 1 }),
      ok('enrich', {}),
      ok('ship', { tracking: 't' }),
    );
    expect(events.find((e) => e.type === 'RunStarted')?.data).toMatchObject({ correlation_id: 'c-1' });
    expect(events.at(-1)).toMatchObject({ type: 'RunCompleted', data: { correlation_id: 'c-1' } });
  });
});

describe('step results', () => {
  it('a completed step schedules the next with references to earlier outputs', () => {
    given(history(start()))
      .when(ok('fetch', { total: 120 }))
      .then([
        { type: 'StepCompleted', step_path: 'fetch', data: { output: { total: 120 }, attempt: 1 } },
        { type: 'StepScheduled', step_path: 'enrich', data: { input: { total: 120, id: 'o-1' } } },
      ]);
  });

  it('a step without input_mapping receives the previous output', () => {
    given(history(start(), ok('fetch', { total: 120 })))
      .when(ok('enrich', { enriched: true }))
      .then([
        { type: 'StepCompleted' },
        { type: 'StepScheduled', step_path: 'ship', data: { input: { enriched: true } } },
      ]);
  });

  it('the last step completes the run with the output mapping', () => {
    given(history(start(), ok('fetch', { total: 120 }), ok('enrich', {})))
      .when(ok('ship', { tracking: 'T-1' }))
      .then([
        { type: 'StepCompleted' },
        { type: 'RunCompleted', data: { output: { tracking: 'T-1', total: 120 } } },
      ]);
  });

  it('without output_mapping the run output is the last step output', () => {
    const { output_mapping: _ignored, ...def } = definition;
    given(history(start(def), ok('fetch', { total: 1 }), ok('enrich', {})))
      .when(ok('ship', { done: 1 }))
      .then([{ type: 'StepCompleted' }, { type: 'RunCompleted', data: { output: { done: 1 } } }]);
  });

  it('an output mapping naming a missing value fails the run naming the reference', () => {
    const def = { ...definition, output_mapping: { x: '${ship.output.nothing}' } };
    const events = given(history(start(def), ok('fetch', { total: 1 }), ok('enrich', {})))
      .when(ok('ship', {}))
      .then([{ type: 'StepCompleted' }, { type: 'RunFailed', data: { error: { kind: 'MAPPING_FAILED' } } }]);
    expect(JSON.stringify(events[1])).toContain('ship.output.nothing');
  });

  it('next_step jumps, and next_step null ends the run', () => {
    const def = {
      workflow_id: 'jumps',
      name: 'Jumps',
      steps: [
        { id: 'a', agent_name: 'x', next_step: 'c' },
        { id: 'b', agent_name: 'x' },
        { id: 'c', agent_name: 'x', next_step: null },
        { id: 'd', agent_name: 'x' },
      ],
    };
    given(history(start(def)))
      .when(ok('a', 1))
      .then([{ type: 'StepCompleted' }, { type: 'StepScheduled', step_path: 'c' }]);
    given(history(start(def), ok('a', 1)))
      .when(ok('c', 2))
      .then([{ type: 'StepCompleted' }, { type: 'RunCompleted', data: { output: 2 } }]);
  });

  it('a failed attempt fails the step and the run with the classified error', () => {
    given(history(start()))
      .when(failed('fetch', 'http_404'))
      .then([
        { type: 'StepAttemptFailed', step_path: 'fetch', data: { attempt: 1, error: { kind: 'http_404' } } },
        { type: 'StepFailed', step_path: 'fetch', data: { error: { kind: 'http_404', step_path: 'fetch' } } },
        { type: 'StepDeadLettered', step_path: 'fetch', data: { agent_name: 'a', attempts: 1 } },
        { type: 'RunFailed', data: { error: { kind: 'http_404', step_path: 'fetch' } } },
      ]);
  });

  it('a duplicate result decides to nothing', () => {
    given(history(start(), ok('fetch', { total: 1 })))
      .when(ok('fetch', { total: 1 }))
      .thenNothingHappened();
  });

  it('a result for another attempt or an unknown step decides to nothing', () => {
    given(history(start()))
      .when(ok('fetch', {}, 2))
      .thenNothingHappened();
    given(history(start())).when(ok('nope', {})).thenNothingHappened();
  });

  it('a late result after the run ended decides to nothing', () => {
    given(history(start(), failed('fetch', 'invalid_response')))
      .when(ok('fetch', {}))
      .thenNothingHappened();
  });

  it('a result for a run that never started decides to nothing', () => {
    given([]).when(ok('fetch', {})).thenNothingHappened();
  });
});

describe('replay', () => {
  it('replaying the events reproduces the state the scheduler held', () => {
    let state;
    const events: RunEvent[] = [];
    for (const c of [start(), ok('fetch', { total: 5 }), ok('enrich', { e: 1 })]) {
      const d = decide(state, c, { now: AT });
      state = d.state;
      events.push(...d.events);
    }
    expect(replay(JSON.parse(JSON.stringify(events)))).toEqual(JSON.parse(JSON.stringify(state)));
  });

  it('seq is contiguous from 1', () => {
    const events = history(start(), ok('fetch', { total: 5 }), ok('enrich', {}), ok('ship', { tracking: 1 }));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(stamp(RUN, [{ type: 'RunCompleted', data: { output: 1 } }], 9)[0]).toMatchObject({
      seq: 9,
      run_id: RUN,
    });
  });
});
