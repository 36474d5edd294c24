import type { TestAgent } from '@weft/testing';
import { expect } from 'vitest';
import {
  createWorkflow,
  eventsOf,
  registerAgent,
  runToEnd,
  runUntilEnded,
  startRun,
  stepsOf,
  type Scenario,
} from './harness';

/**
 * Sequential agent steps end to end (mappings, idempotent start, failures, retries), through the
 * HTTP API and a real JSON-RPC agent: run by the embedded (`engine.e2e.spec.ts`) and the
 * distributed (`distributed-scenarios.e2e.spec.ts`) spec.
 */

/** The checkout workflow: three agent steps, each mapping the previous step's output. */
export const CHECKOUT_WORKFLOW = {
  workflow_id: 'checkout',
  name: 'Checkout',
  input_schema: { type: 'object', required: ['order'] },
  steps: [
    { id: 'price', agent_name: 'pricer', input_mapping: { order: '${workflow.input.order}' } },
    { id: 'tax', agent_name: 'taxer', input_mapping: { amount: '${price.output.total}', rate: 0.5 } },
    {
      id: 'label',
      agent_name: 'labeller',
      input_mapping: { text: 'order ${workflow.input.order.id} costs ${tax.output.gross}' },
    },
  ],
  output_mapping: {
    total: '${price.output.total}',
    gross: '${tax.output.gross}',
    label: '${label.output.label}',
  },
} as const;

/** The events of one checkout run, in order. */
export const CHECKOUT_EVENTS = [
  'RunStarted',
  'StepScheduled',
  'StepCompleted',
  'StepScheduled',
  'StepCompleted',
  'StepScheduled',
  'StepCompleted',
  'RunCompleted',
];

/** The agent methods of the checkout workflow's agents (pricer → price, taxer → tax, labeller → label). */
export function checkoutBehaviours(agent: TestAgent): void {
  agent.on('price', {
    kind: 'transform',
    fn: (p: { order: { qty: number; unit: number } }) => ({ total: p.order.qty * p.order.unit }),
  });
  agent.on('tax', {
    kind: 'transform',
    fn: (p: { amount: number; rate: number }) => ({ gross: p.amount * (1 + p.rate) }),
  });
  agent.on('label', { kind: 'transform', fn: (p: { text: string }) => ({ label: p.text.toUpperCase() }) });
}

export const CHECKOUT_AGENTS = [
  ['pricer', 'price'],
  ['taxer', 'tax'],
  ['labeller', 'label'],
] as const;

const threeSteps: Scenario = {
  name: 'runs three agent steps with input and output mappings and lists steps and events in order',
  async run(h) {
    checkoutBehaviours(h.agent);
    for (const [name, method] of CHECKOUT_AGENTS) await registerAgent(h, name, method);
    const created = await createWorkflow(h, CHECKOUT_WORKFLOW);
    expect(created).toMatchObject({ workflow_id: 'checkout', version: 1, status: 'active' });

    const run = await runToEnd(h, 'checkout', { order: { id: 'o-7', qty: 3, unit: 10 } });
    expect(run).toMatchObject({
      status: 'COMPLETED',
      workflow_id: 'checkout',
      version: 1,
      output: { total: 30, gross: 45, label: 'ORDER O-7 COSTS 45' },
    });

    const steps = await stepsOf(h, run.run_id);
    expect(steps.map((s: { step_id: string; status: string }) => [s.step_id, s.status])).toEqual([
      ['price', 'COMPLETED'],
      ['tax', 'COMPLETED'],
      ['label', 'COMPLETED'],
    ]);
    expect(steps[1]).toMatchObject({ input: { amount: 30, rate: 0.5 }, output: { gross: 45 }, attempt: 1 });

    const events = await eventsOf(h, run.run_id, CHECKOUT_EVENTS.length);
    expect(events.map((e: { type: string }) => e.type)).toEqual(CHECKOUT_EVENTS);
    expect(events.map((e: { seq: number }) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);

    // The agent saw the invocation id as JSON-RPC id and idempotency key.
    const call = h.agent.calls('tax').find((c) => c.id === `${run.run_id}/tax#1`);
    expect(call?.headers['idempotency-key']).toBe(`${run.run_id}/tax#1`);

    // Idempotent start: the same key names the same run, which runs once.
    const request = { input: { order: { id: 'o-8', qty: 1, unit: 1 } }, idempotency_key: 'k-1' };
    const first = await h.api.post('/workflows/checkout/runs', request);
    const again = await h.api.post('/workflows/checkout/runs', request);
    expect(again.body.run_id).toBe(first.body.run_id);
    await runUntilEnded(h, first.body.run_id);
    const listed = await h.api.get('/runs?workflow_id=checkout&limit=1000');
    expect(listed.body.items.filter((r: { run_id: string }) => r.run_id === first.body.run_id)).toHaveLength(
      1,
    );
    expect(
      h.agent.calls('price').filter((c) => (c.params as { order: { id: string } }).order.id === 'o-8'),
    ).toHaveLength(1);
  },
};

const failures: Scenario = {
  name: 'a failing agent fails the step and the run with the classified error; scalar outputs reach the next agent',
  async run(h) {
    h.agent.on('broken', { kind: 'status', status: 503, body: 'down for maintenance' });
    h.agent.on('rpc-error', { kind: 'jsonrpc_error', code: -32001, message: 'quota exceeded' });
    h.agent.on('number', { kind: 'result', value: 42 });
    await registerAgent(h, 'broken-agent', 'broken');
    await registerAgent(h, 'rpc-error-agent', 'rpc-error');
    await registerAgent(h, 'number-agent', 'number');
    await registerAgent(h, 'echo-agent', 'echo');
    for (const [id, failing] of [
      ['fails-http', 'broken-agent'],
      ['fails-rpc', 'rpc-error-agent'],
    ]) {
      await createWorkflow(h, {
        workflow_id: id,
        name: id,
        steps: [
          { id: 'ok', agent_name: 'echo-agent' },
          { id: 'bad', agent_name: failing },
        ],
      });
    }
    const http = await runToEnd(h, 'fails-http', { x: 1 });
    expect(http).toMatchObject({ status: 'FAILED', error: { kind: 'http_503', step_path: 'bad' } });
    expect(http.error.message).toContain('down for maintenance');
    const rpc = await runToEnd(h, 'fails-rpc', {});
    expect(rpc).toMatchObject({
      status: 'FAILED',
      error: { kind: 'jsonrpc_-32001', message: expect.stringContaining('quota exceeded') },
    });
    const steps = await stepsOf(h, rpc.run_id);
    expect(steps.map((s: { status: string }) => s.status)).toEqual(['COMPLETED', 'FAILED']);

    await createWorkflow(h, {
      workflow_id: 'scalar',
      name: 'scalar',
      steps: [
        { id: 'n', agent_name: 'number-agent' },
        { id: 'e', agent_name: 'echo-agent' },
      ],
    });
    expect(await runToEnd(h, 'scalar', {})).toMatchObject({ status: 'COMPLETED', output: { input: 42 } });

    // A result too large to report (over 1,000,000 bytes) fails the step with a clear error
    // instead of leaving the run waiting for a result that never comes.
    h.agent.on('huge', { kind: 'result', value: 'x'.repeat(1_500_000) });
    await registerAgent(h, 'huge-agent', 'huge');
    await createWorkflow(h, {
      workflow_id: 'huge',
      name: 'huge',
      steps: [{ id: 'big', agent_name: 'huge-agent' }],
    });
    const huge = await runToEnd(h, 'huge', {});
    expect(huge).toMatchObject({ status: 'FAILED', error: { kind: 'output_too_large', step_path: 'big' } });
    expect(huge.error.message).toContain('limit is 1000000');
  },
};

const retries: Scenario = {
  name: 'retries: fails twice with 503 then succeeds → completes on attempt 3 after durable backoff; a 400 fails at once',
  async run(h) {
    h.agent.on('twice-503', { kind: 'fail_times', times: 2, failure: { kind: 'status', status: 503 } });
    h.agent.on('bad-request', { kind: 'status', status: 400 });
    await registerAgent(h, 'recovering', 'twice-503');
    await registerAgent(h, 'refusing', 'bad-request');
    const retry = { initial_delay_ms: 200, jitter: false };
    await createWorkflow(h, {
      workflow_id: 'retrying',
      name: 'retrying',
      steps: [{ id: 'call', agent_name: 'recovering', retry_config: retry, input_mapping: { v: 1 } }],
    });
    await createWorkflow(h, {
      workflow_id: 'refused',
      name: 'refused',
      steps: [{ id: 'call', agent_name: 'refusing', retry_config: retry }],
    });

    const ok = await runToEnd(h, 'retrying', {});
    expect(ok).toMatchObject({ status: 'COMPLETED', output: { v: 1 } });
    expect(h.agent.callCount('twice-503')).toBe(3);
    expect((await stepsOf(h, ok.run_id))[0]).toMatchObject({ status: 'COMPLETED', attempt: 3 });
    const events = (await eventsOf(h, ok.run_id)) as { type: string; data: any }[];
    const delays = events
      .filter((e) => e.type === 'StepRetryScheduled')
      .map((e) => [e.data.attempt, e.data.delay_ms]);
    expect(delays).toEqual([
      [1, 200],
      [2, 400],
    ]);
    expect(h.agent.calls('twice-503').map((c) => c.headers['idempotency-key'])).toEqual(
      [1, 2, 3].map((n) => `${ok.run_id}/call#${n}`),
    );

    const refused = await runUntilEnded(h, await startRun(h, 'refused', {}));
    expect(refused).toMatchObject({
      status: 'FAILED',
      error: { kind: 'http_400', details: { attempts: 1 } },
    });
    expect(h.agent.callCount('bad-request')).toBe(1);
  },
};

/** Each runs on its own engine in the embedded spec and on one shared set of services in the distributed one. */
export const AGENT_STEP_SCENARIOS: readonly Scenario[] = [threeSteps, failures, retries];
