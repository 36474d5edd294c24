import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestAgent } from '@weft/testing';
import { expect } from 'vitest';
import {
  createWorkflow,
  eventsOf,
  registerAgent,
  runToEnd,
  stepsOf,
  type Scenario,
  type ScenarioHarness,
} from './harness';

/**
 * Control flow (F1–F4) end to end through the HTTP API and a real JSON-RPC agent, which measures
 * concurrency itself so the limits are checked where they matter. Run by the embedded
 * (`control-flow.e2e.spec.ts`) and the distributed (`distributed-scenarios.e2e.spec.ts`) spec, in
 * this order, on one engine, after `setUpControlFlow`.
 */
const examplesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../examples');

/** Registers the agents the scenarios call and their behaviours. */
export async function setUpControlFlow(h: ScenarioHarness): Promise<void> {
  for (const name of ['echo', 'slow', 'flaky', 'hang']) await registerAgent(h, name, name, 60);
  behave(h.agent);
}

/** The agent's scripted methods (again after each `agent.reset()`, which clears them). */
function behave(agent: TestAgent, slowMs = 150): void {
  agent.on('slow', { kind: 'delay', ms: slowMs });
  agent.on('hang', { kind: 'hang' });
  // Fails for odd `n`, echoes otherwise.
  agent.on('flaky', {
    kind: 'transform',
    fn: (p: { n: number }) => {
      if (p.n % 2 === 1) throw new Error(`odd ${p.n}`);
      return { n: p.n };
    },
  });
}

const EXAMPLE_OUTPUTS: Record<string, (run: any) => void> = {
  sequential: (r) => expect(r.output).toEqual({ id: 'o-1', total: 120 }),
  conditional: (r) => expect(r.output).toEqual({ reviewed: true }),
  parallel: (r) => expect(r.output).toEqual({ credit: 'credit', fraud: 'fraud', stock: 'stock' }),
  'loop-sequential': (r) =>
    expect(r.output.enriched.map((e: any) => [e.sku, e.position])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]),
  'loop-parallel': (r) => expect(r.output).toEqual({ results: [1, 2, 3, 4, 5, 6, 7, 8], errors: [] }),
  'fork-join-all': (r) =>
    expect(Object.keys(r.output).sort()).toEqual(['carrier_a', 'carrier_b', 'carrier_c']),
  'fork-join-any': (r) => expect(Object.keys(r.output)).toHaveLength(1),
  'fork-join-majority': (r) => expect(Object.keys(r.output).length).toBeGreaterThanOrEqual(2),
  'fork-join-n-of-m': (r) => expect(Object.keys(r.output).length).toBeGreaterThanOrEqual(2),
  nested: (r) =>
    expect(r.output.orders[2]).toEqual({
      checks: { credit: { order: 'o3', check: 'credit' }, fraud: { order: 'o3', check: 'fraud' } },
      pack: { order: 'o3', index: 2 },
    }),
};

const examples: Scenario = {
  name: 'every example runs to completion with the output it documents',
  async run(h) {
    const files = (await readdir(examplesDir)).filter((f) => f.endsWith('.workflow.json')).sort();
    expect(files.map((f) => f.replace('.workflow.json', ''))).toEqual(Object.keys(EXAMPLE_OUTPUTS).sort());
    for (const file of files) {
      const name = file.replace('.workflow.json', '');
      const def = JSON.parse(await readFile(join(examplesDir, file), 'utf8'));
      const input = JSON.parse(await readFile(join(examplesDir, `${name}.input.json`), 'utf8'));
      await createWorkflow(h, def);
      const result = await runToEnd(h, def.workflow_id, input);
      expect(result.status, `${name}: ${JSON.stringify(result.error)}`).toBe('COMPLETED');
      EXAMPLE_OUTPUTS[name]!(result);
    }
  },
};

const parallelLimit: Scenario = {
  name: 'F1: a parallel block never has more than max_parallelism calls in flight',
  async run(h) {
    h.agent.reset();
    behave(h.agent, 150);
    await createWorkflow(h, {
      workflow_id: 'par-limit',
      name: 'par-limit',
      steps: [
        {
          id: 'par',
          type: 'parallel',
          max_parallelism: 3,
          parallel_steps: Array.from({ length: 9 }, (_, i) => ({ id: `c${i}`, agent_name: 'slow' })),
        },
      ],
    });
    const result = await runToEnd(h, 'par-limit', {});
    expect(result.status).toBe('COMPLETED');
    expect(h.agent.callCount('slow')).toBe(9);
    expect(h.agent.peakConcurrency('slow')).toBe(3);
  },
};

const loopLimit: Scenario = {
  name: 'F3: a parallel loop never has more than max_parallelism iterations in flight; each iteration is recorded',
  async run(h) {
    h.agent.reset();
    behave(h.agent, 100);
    await createWorkflow(h, {
      workflow_id: 'loop-limit',
      name: 'loop-limit',
      steps: [
        {
          id: 'each',
          type: 'loop',
          loop_over: '${workflow.input.items}',
          execution_mode: 'parallel',
          max_parallelism: 4,
          loop_step: { id: 'work', agent_name: 'slow', input_mapping: { i: '${loop.index}' } },
        },
      ],
    });
    const result = await runToEnd(h, 'loop-limit', { items: Array.from({ length: 16 }, (_, i) => i) });
    expect(result.status).toBe('COMPLETED');
    expect(result.output.map((o: any) => o.i)).toEqual(Array.from({ length: 16 }, (_, i) => i));
    expect(h.agent.peakConcurrency('slow')).toBe(4);
    const rows = await stepsOf(h, result.run_id);
    expect(rows.find((s) => s.step_path === 'each')).toMatchObject({
      type: 'loop',
      loop_collection_size: 16,
      loop_execution_mode: 'parallel',
      status: 'COMPLETED',
    });
    expect(rows.find((s) => s.step_path === 'each[7]/work')).toMatchObject({
      loop_iteration_index: 7,
      loop_collection_size: 16,
      loop_execution_mode: 'parallel',
      parent_path: 'each',
    });
  },
};

const loopWith = (policy: string) => ({
  workflow_id: `loop-${policy}`,
  name: policy,
  steps: [
    {
      id: 'each',
      type: 'loop',
      loop_over: '${workflow.input.items}',
      error_policy: policy,
      loop_step: { id: 'work', agent_name: 'flaky', input_mapping: { n: '${loop.item}' } },
    },
  ],
});

const stopPolicy: Scenario = {
  name: 'F3: error policy stop fails the run at the first failing iteration',
  async run(h) {
    await createWorkflow(h, loopWith('stop'));
    const result = await runToEnd(h, 'loop-stop', { items: [2, 4, 5, 6] });
    expect(result.status).toBe('FAILED');
    expect(result.error.message).toContain('iteration 2');
    expect((await stepsOf(h, result.run_id)).some((s) => s.step_path === 'each[3]/work')).toBe(false);
  },
};

const continuePolicy: Scenario = {
  name: 'F3: error policy continue completes with null for failed iterations',
  async run(h) {
    await createWorkflow(h, loopWith('continue'));
    expect(await runToEnd(h, 'loop-continue', { items: [2, 3, 4] })).toMatchObject({
      status: 'COMPLETED',
      output: [{ n: 2 }, null, { n: 4 }],
    });
  },
};

const collectPolicy: Scenario = {
  name: 'F3: error policy collect completes with results and errors',
  async run(h) {
    await createWorkflow(h, loopWith('collect'));
    const result = await runToEnd(h, 'loop-collect', { items: [1, 2] });
    expect(result.status).toBe('COMPLETED');
    expect(result.output.results).toEqual([null, { n: 2 }]);
    expect(result.output.errors).toEqual([
      { index: 0, error: expect.objectContaining({ kind: 'jsonrpc_-32603' }) },
    ]);
  },
};

const forkJoin = (id: string, policy: string, branches: [string, string, number?][], extra: object = {}) => ({
  workflow_id: id,
  name: id,
  steps: [
    {
      id: 'fj',
      type: 'fork_join',
      join_policy: policy,
      ...extra,
      branches: branches.map(([name, agentName, timeout]) => ({
        name,
        ...(timeout ? { timeout_seconds: timeout } : {}),
        steps: [
          { id: `${name}_1`, agent_name: agentName, input_mapping: { n: 2 } },
          { id: `${name}_2`, agent_name: 'echo' },
        ],
      })),
    },
  ],
});

const joinAll: Scenario = {
  name: 'F4: ALL completes with every branch keyed by name',
  async run(h) {
    await createWorkflow(
      h,
      forkJoin('fj-all', 'ALL', [
        ['a', 'echo'],
        ['b', 'slow'],
      ]),
    );
    const result = await runToEnd(h, 'fj-all', {});
    expect(result).toMatchObject({ status: 'COMPLETED', output: { a: { n: 2 }, b: { n: 2 } } });
    expect((await stepsOf(h, result.run_id)).find((s) => s.step_path === 'fj')).toMatchObject({
      join_policy: 'ALL',
      type: 'fork_join',
    });
  },
};

const joinAny: Scenario = {
  name: 'F4: ANY completes with the fast branch and cancels the hanging one',
  async run(h) {
    await createWorkflow(
      h,
      forkJoin('fj-any', 'ANY', [
        ['fast', 'echo'],
        ['stuck', 'hang'],
      ]),
    );
    const result = await runToEnd(h, 'fj-any', {});
    expect(result).toMatchObject({ status: 'COMPLETED', output: { fast: { n: 2 } } });
    const stuck = (await stepsOf(h, result.run_id)).find((s) => s.step_path === 'fj/stuck/stuck_1');
    expect(stuck).toMatchObject({ status: 'CANCELLED', branch_name: 'stuck' });
  },
};

const joinQuorum: Scenario = {
  name: 'F4: MAJORITY and N_OF_M resolve on enough branches',
  async run(h) {
    await createWorkflow(
      h,
      forkJoin('fj-majority', 'MAJORITY', [
        ['a', 'echo'],
        ['b', 'echo'],
        ['c', 'hang'],
      ]),
    );
    expect(await runToEnd(h, 'fj-majority', {})).toMatchObject({
      status: 'COMPLETED',
      output: { a: { n: 2 }, b: { n: 2 } },
    });
    await createWorkflow(
      h,
      forkJoin(
        'fj-n-of-m',
        'N_OF_M',
        [
          ['a', 'echo'],
          ['b', 'hang'],
          ['c', 'echo'],
        ],
        { n_required: 2 },
      ),
    );
    expect(await runToEnd(h, 'fj-n-of-m', {})).toMatchObject({
      status: 'COMPLETED',
      output: { a: { n: 2 }, c: { n: 2 } },
    });
  },
};

const branchTimeout: Scenario = {
  name: 'F4: a branch timeout times the branch out through the durable timer; ALL then fails',
  async run(h) {
    await createWorkflow(
      h,
      forkJoin('fj-timeout', 'ALL', [
        ['ok', 'echo'],
        ['late', 'hang', 1],
      ]),
    );
    const result = await runToEnd(h, 'fj-timeout', {});
    expect(result.status).toBe('FAILED');
    expect(result.error.kind).toBe('JOIN_FAILED');
    const events = await eventsOf(h, result.run_id);
    expect(
      events.find((e: any) => e.type === 'BranchCompleted' && e.data.branch_name === 'late').data.status,
    ).toBe('TIMED_OUT');
  },
};

const conditional: Scenario = {
  name: 'F2: a conditional takes each branch and records the decision',
  async run(h) {
    const condition = '${workflow.input.amount} >= 100 or ${workflow.input.vip} == true';
    await createWorkflow(h, {
      workflow_id: 'cond',
      name: 'cond',
      steps: [
        { id: 'route', type: 'conditional', condition, if_true_step: 'big', if_false_step: 'small' },
        { id: 'big', agent_name: 'echo', input_mapping: { path: 'big' }, next_step: null },
        { id: 'small', agent_name: 'echo', input_mapping: { path: 'small' } },
      ],
    });
    for (const [input, branch, result] of [
      [{ amount: 150, vip: false }, 'big', true],
      [{ amount: 5, vip: false }, 'small', false],
      [{ amount: 5, vip: true }, 'big', true],
    ] as const) {
      const r = await runToEnd(h, 'cond', input);
      expect(r).toMatchObject({ status: 'COMPLETED', output: { path: branch } });
      expect((await stepsOf(h, r.run_id)).find((s) => s.step_id === 'route')).toMatchObject({
        condition_expression: condition,
        condition_result: result,
        branch_taken: branch,
      });
    }
  },
};

const hostileConditions: Scenario = {
  name: 'F2: a bad condition is refused at save time, and hostile expressions are refused while the engine keeps serving',
  async run(h) {
    const hostile = [
      '${a.output.__proto__} == 1',
      'constructor',
      'toString()',
      '${x.output[?(@.a)]} == 1',
      '('.repeat(5000) + '1' + ')'.repeat(5000),
      '1 == ' + '1'.repeat(100_000),
    ];
    for (const condition of hostile) {
      const res = await h.api.post('/workflows/validate', {
        workflow_id: 'h',
        name: 'h',
        steps: [
          { id: 'a', agent_name: 'echo' },
          { id: 'c', type: 'conditional', condition, if_true_step: 'a2', if_false_step: 'a2' },
          { id: 'a2', agent_name: 'echo' },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body.valid, condition.slice(0, 40)).toBe(false);
    }
    expect((await h.api.get('/healthz')).status).toBe(200);
  },
};

/** In this order, on one engine, after `setUpControlFlow`. */
export const CONTROL_FLOW_SCENARIOS: readonly Scenario[] = [
  examples,
  parallelLimit,
  loopLimit,
  stopPolicy,
  continuePolicy,
  collectPolicy,
  joinAll,
  joinAny,
  joinQuorum,
  branchTimeout,
  conditional,
  hostileConditions,
];
