import { waitFor, type TestAgent } from '@weft/testing';
import { expect } from 'vitest';
import type { DistributedStack, ObservedLog } from './distributed-stack';
import { createWorkflow, registerAgent, type ScenarioHarness } from './harness';

/**
 * Runs held in flight for the distributed fault tests: a three-step pipeline whose second and
 * third agents answer only once the test opens their gate, so a fault can be injected while every
 * run is provably unfinished, and checks that afterwards each run completed exactly once.
 */
export interface Gate {
  open(): void;
  readonly wait: Promise<void>;
}

export function gate(): Gate {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { open, wait };
}

export interface Pipeline {
  readonly workflowId: string;
  /** Step `work` answers once this opens. */
  readonly work: Gate;
  /** Step `finish` answers once this opens. */
  readonly finish: Gate;
  /** The agent methods of the steps: prepare, work, finish. */
  readonly methods: { readonly prepare: string; readonly work: string; readonly finish: string };
  /** Open both gates (cleanup: the agent can then close). */
  release(): void;
}

export const PIPELINE_EVENTS = [
  'RunStarted:',
  'StepScheduled:prepare',
  'StepCompleted:prepare',
  'StepScheduled:work',
  'StepCompleted:work',
  'StepScheduled:finish',
  'StepCompleted:finish',
  'RunCompleted:',
];

/** Register the pipeline's agents (methods named after `name`) and its workflow. */
export async function setUpPipeline(h: ScenarioHarness, name: string): Promise<Pipeline> {
  const work = gate();
  const finish = gate();
  const methods = { prepare: `${name}-prepare`, work: `${name}-work`, finish: `${name}-finish` };
  // Each step adds its name to `steps`: the run's output shows every step's output reached the next.
  const step = (stepName: string, g?: Gate) => ({
    kind: 'transform' as const,
    fn: async (p: { n: number; steps?: string[] }) => {
      await g?.wait;
      return { n: p.n, steps: [...(p.steps ?? []), stepName] };
    },
  });
  h.agent.on(methods.prepare, step('prepare'));
  h.agent.on(methods.work, step('work', work));
  h.agent.on(methods.finish, step('finish', finish));
  for (const method of Object.values(methods)) await registerAgent(h, method, method, 120);
  await createWorkflow(h, {
    workflow_id: name,
    name,
    steps: [
      { id: 'prepare', agent_name: methods.prepare, input_mapping: { n: '${workflow.input.n}' } },
      { id: 'work', agent_name: methods.work },
      { id: 'finish', agent_name: methods.finish },
    ],
  });
  return {
    workflowId: name,
    work,
    finish,
    methods,
    release() {
      work.open();
      finish.open();
    },
  };
}

/** Start `count` runs of the pipeline through the API (input `{ n: i }`), a few requests at a time. */
export async function startRuns(h: ScenarioHarness, workflowId: string, count: number): Promise<string[]> {
  const runIds: string[] = new Array<string>(count);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const res = await h.api.post(`/workflows/${workflowId}/runs`, { input: { n: i } });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      runIds[i] = res.body.run_id;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return runIds;
}

/** Resolves once `count` calls of `method` are in flight at the agent at the same time. */
export function callsInFlight(agent: TestAgent, method: string, count: number, timeoutMs = 60_000) {
  return waitFor(() => agent.inFlight(method) >= count, {
    timeoutMs,
    intervalMs: 50,
    message: `${count} calls of ${method} were not in flight at once (now ${agent.inFlight(method)})`,
  });
}

/** Runs of `runIds` the projection shows in each status. */
export async function statusCounts(stack: DistributedStack, runIds: readonly string[]) {
  const rows = await stack.query<{ status: string; count: string }>(
    'select status, count(*) as count from workflow_runs where run_id = any($1::uuid[]) group by status',
    [runIds],
  );
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
}

/**
 * Every run of `runIds` completed exactly once: the projection has it COMPLETED with the output of
 * all three steps, events with seq 1..8 in pipeline order, one COMPLETED row per step at attempt 1;
 * and wf.events itself (read committed) holds each run's 8 events once each, seq 1..8 in log order:
 * no event was appended twice or lost, whatever was redelivered or called again.
 */
export async function expectEachRunCompletedOnce(
  stack: DistributedStack,
  observed: ObservedLog,
  runIds: readonly string[],
  timeoutMs = 90_000,
): Promise<void> {
  await waitFor(async () => (await statusCounts(stack, runIds))['COMPLETED'] === runIds.length, {
    timeoutMs,
    intervalMs: 250,
    message: `not every run completed: ${JSON.stringify(await statusCounts(stack, runIds))}`,
  });
  const runs = await stack.query<{ run_id: string; output: unknown; input: { n: number } }>(
    'select run_id, input, output from workflow_runs where run_id = any($1::uuid[])',
    [runIds],
  );
  expect(runs).toHaveLength(runIds.length);
  for (const run of runs) {
    expect(run.output, run.run_id).toEqual({ n: run.input.n, steps: ['prepare', 'work', 'finish'] });
  }

  const events = await stack.query<{ run_id: string; seqs: number[]; types: string[] }>(
    `select run_id, array_agg(seq order by seq) as seqs,
            array_agg(type || ':' || coalesce(step_path, '') order by seq) as types
       from run_events where run_id = any($1::uuid[]) group by run_id`,
    [runIds],
  );
  expect(events).toHaveLength(runIds.length);
  const expectedSeqs = PIPELINE_EVENTS.map((_, i) => i + 1);
  for (const run of events) {
    expect(run.seqs.map(Number), run.run_id).toEqual(expectedSeqs);
    expect(run.types, run.run_id).toEqual(PIPELINE_EVENTS);
  }

  const steps = await stack.query<{ run_id: string; step_path: string; status: string; attempt: number }>(
    `select run_id, step_path, status, attempt from step_executions
      where run_id = any($1::uuid[]) order by run_id, seq_started`,
    [runIds],
  );
  expect(steps).toHaveLength(runIds.length * 3);
  for (const step of steps) {
    expect([step.step_path, step.status, step.attempt], step.run_id).toEqual([
      expect.stringMatching(/^(prepare|work|finish)$/),
      'COMPLETED',
      1,
    ]);
  }

  // The log itself: the observer keeps each (partition, offset) once, so a repeat is a real repeat.
  const inLog = await waitFor(
    () => {
      const all = runIds.map((id) => ({ id, events: observed.events(id) }));
      return all.every((r) => r.events.some((e) => e.type === 'RunCompleted')) ? all : undefined;
    },
    { timeoutMs: 30_000, message: 'the observer did not see every RunCompleted' },
  );
  for (const run of inLog) {
    expect(
      run.events.map((e) => `${e.type}:${e.step_path ?? ''}`),
      run.id,
    ).toEqual(PIPELINE_EVENTS);
    expect(
      run.events.map((e) => e.seq),
      run.id,
    ).toEqual(expectedSeqs);
  }
}
