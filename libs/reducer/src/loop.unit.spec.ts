import { describe, expect, it } from 'vitest';
import { replay } from './evolve';
import { RunDriver } from './testing/run-driver';

const loop = (
  extra: object = {},
  body: object = { id: 'work', agent_name: 'a', input_mapping: { item: '${loop.item}', i: '${loop.index}' } },
) => ({
  workflow_id: 'l',
  name: 'L',
  steps: [{ id: 'each', type: 'loop', loop_over: '${workflow.input.items}', loop_step: body, ...extra }],
});

describe('F3 loops', () => {
  it('sequential: one iteration at a time with loop.item and loop.index; output in index order', () => {
    const run = new RunDriver(loop(), { items: ['a', 'b', 'c'] });
    expect(run.events.find((e) => e.type === 'LoopStarted')?.data).toMatchObject({
      loop_collection_size: 3,
      loop_execution_mode: 'sequential',
      max_parallelism: 1,
    });
    expect(run.running()).toEqual(['each[0]/work']);
    expect(run.events.at(-1)?.data).toMatchObject({
      input: { item: 'a', i: 0 },
      loop_iteration_index: 0,
      parent_path: 'each',
    });
    run.ok('each[0]/work', 'A');
    expect(run.running()).toEqual(['each[1]/work']);
    run.ok('each[1]/work', 'B');
    const last = run.ok('each[2]/work', 'C');
    expect(run.types(last)).toEqual([
      'StepCompleted:each[2]/work',
      'LoopIterationCompleted:each',
      'StepCompleted:each',
      'RunCompleted',
    ]);
    expect(run.state?.output).toEqual(['A', 'B', 'C']);
  });

  it('parallel: up to max_parallelism iterations in flight', () => {
    const run = new RunDriver(loop({ execution_mode: 'parallel', max_parallelism: 2 }), {
      items: [1, 2, 3, 4, 5],
    });
    expect(run.running()).toEqual(['each[0]/work', 'each[1]/work']);
    run.ok('each[1]/work', 20);
    expect(run.running()).toEqual(['each[0]/work', 'each[2]/work']);
    for (const p of ['each[0]/work', 'each[2]/work', 'each[3]/work', 'each[4]/work']) run.ok(p, p);
    expect(run.state?.output).toEqual(['each[0]/work', 20, 'each[2]/work', 'each[3]/work', 'each[4]/work']);
  });

  it('error policy stop: cancels iterations in flight and fails the loop naming the iteration', () => {
    const run = new RunDriver(loop({ execution_mode: 'parallel', max_parallelism: 3 }), {
      items: [1, 2, 3, 4],
    });
    const events = run.fail('each[1]/work', 'invalid_response');
    expect(run.types(events)).toEqual([
      'StepAttemptFailed:each[1]/work',
      'StepFailed:each[1]/work',
      'StepDeadLettered:each[1]/work',
      'LoopIterationCompleted:each',
      'StepCancelled:each[0]/work',
      'StepCancelled:each[2]/work',
      'StepFailed:each',
      'RunFailed',
    ]);
    expect(run.state?.error?.message).toContain('iteration 1');
    expect(run.ok('each[0]/work', 'late')).toEqual([]);
  });

  it('error policy continue: a failed iteration gives null and the loop completes', () => {
    const run = new RunDriver(loop({ error_policy: 'continue' }), { items: [1, 2, 3] });
    run.ok('each[0]/work', 'a');
    run.fail('each[1]/work');
    run.ok('each[2]/work', 'c');
    expect(run.status).toBe('COMPLETED');
    expect(run.state?.output).toEqual(['a', null, 'c']);
  });

  it('error policy collect: completes with results and errors', () => {
    const run = new RunDriver(loop({ error_policy: 'collect' }), { items: [1, 2] });
    run.fail('each[0]/work', 'http_404');
    run.ok('each[1]/work', 'b');
    expect(run.state?.output).toEqual({
      results: [null, 'b'],
      errors: [{ index: 0, error: expect.objectContaining({ kind: 'http_404' }) }],
    });
  });

  it('max_iterations is enforced with a clear error', () => {
    const run = new RunDriver(loop({ max_iterations: 2 }), { items: [1, 2, 3] });
    expect(run.status).toBe('FAILED');
    expect(run.state?.error).toMatchObject({
      kind: 'MAX_ITERATIONS_EXCEEDED',
      message: 'loop over 3 items exceeds max_iterations 2',
    });
  });

  it('a collection that is not an array fails the loop; an empty one completes with []', () => {
    expect(new RunDriver(loop(), { items: 'nope' }).state?.error).toMatchObject({
      kind: 'INVALID_LOOP_COLLECTION',
    });
    const empty = new RunDriver(loop(), { items: [] });
    expect(empty.status).toBe('COMPLETED');
    expect(empty.state?.output).toEqual([]);
  });

  it('10,000 iterations whose bodies fail at once run iteratively (no deep recursion)', () => {
    const body = { id: 'work', agent_name: 'a', input_mapping: { x: '${workflow.input.missing}' } };
    const run = new RunDriver(loop({ error_policy: 'continue' }, body), {
      items: Array.from({ length: 10_000 }, (_, i) => i),
    });
    expect(run.status).toBe('COMPLETED');
    expect((run.state?.output as unknown[]).length).toBe(10_000);
  });

  it('a 10,000-item loop completes, and the cost per event does not grow with the collection', () => {
    const items = Array.from({ length: 10_000 }, (_, i) => i);
    const run = new RunDriver(loop({ execution_mode: 'parallel', max_parallelism: 50 }), { items });
    const eventsPerIteration: number[] = [];
    for (let i = 0; i < items.length; i++) eventsPerIteration.push(run.ok(`each[${i}]/work`, i).length);
    expect(run.status).toBe('COMPLETED');
    expect((run.state?.output as number[])[9_999]).toBe(9_999);
    // Each result decides a constant number of events whatever the index (no re-walking the world).
    expect(new Set(eventsPerIteration.slice(0, 9_950)).size).toBe(1);
    // Finished iterations are dropped from the state: it holds what is in flight, not the history.
    expect(Object.keys(run.state!.steps)).toEqual(['each']);
    expect(run.state!.iteration_members).toEqual({});
  });

  it('a body reference to a step of the same iteration reads that iteration', () => {
    const body = {
      id: 'fj',
      type: 'fork_join',
      branches: [
        {
          name: 'b',
          steps: [
            { id: 'first', agent_name: 'a' },
            {
              id: 'second',
              agent_name: 'a',
              input_mapping: { prev: '${first.output}', item: '${loop.item}' },
            },
          ],
        },
      ],
    };
    const run = new RunDriver(loop({ execution_mode: 'parallel' }, body), { items: ['x', 'y'] });
    run.ok('each[1]/fj/b/first', 'first-of-1');
    run.ok('each[0]/fj/b/first', 'first-of-0');
    const second0 = run.events.find((e) => e.step_path === 'each[0]/fj/b/second');
    const second1 = run.events.find((e) => e.step_path === 'each[1]/fj/b/second');
    expect(second0?.data).toMatchObject({ input: { prev: 'first-of-0', item: 'x' } });
    expect(second1?.data).toMatchObject({ input: { prev: 'first-of-1', item: 'y' } });
    for (const i of [0, 1]) run.ok(`each[${i}]/fj/b/second`, `second-of-${i}`);
    expect(run.state?.output).toEqual([{ b: 'second-of-0' }, { b: 'second-of-1' }]);
    expect(replay(JSON.parse(JSON.stringify(run.events)))).toEqual(JSON.parse(JSON.stringify(run.state)));
  });
});
