import { describe, expect, it } from 'vitest';
import { agent, codesAt, detailsOf, expectValid, sequential, sortedCodesAt } from './fixtures/definitions';
import { everyStepType } from './fixtures/every-step-type';
import { orderFulfilment } from './fixtures/order-fulfilment';
import { orderLifecycle } from './fixtures/state-machine';
import { validateDefinition } from './validation/validate-definition';

const allAgents = new Set([
  'validator',
  'reviewer',
  'shipper',
  'fetcher',
  'enricher',
  'scorer',
  'legal',
  'finance',
  'ops',
]);

describe('valid definitions', () => {
  it('accepts the SPEC §3 example and returns it unchanged', () => {
    const result = validateDefinition(orderFulfilment, { knownAgents: allAgents });
    expect(result).toEqual({ ok: true, value: orderFulfilment });
  });

  it('accepts a state machine', () => {
    expectValid(orderLifecycle);
  });

  it('accepts every step type with all of its fields', () => {
    expectValid(everyStepType, { knownAgents: allAgents });
  });

  it.each(everyStepType.steps.map((s) => [s.type, s] as const))(
    'accepts a %s step on its own',
    (_type, step) => {
      // Alone, a step keeps only references to the workflow input; the fixture's cross-step ones are dropped.
      const alone = JSON.parse(
        JSON.stringify(step).replaceAll(
          /\$\{(?!workflow|loop|branch|event|run)[^}]*\}/g,
          '${workflow.input}',
        ),
      );
      if (alone.type === 'conditional') {
        expectValid(sequential([alone, agent('each-item'), agent('check')]));
      } else {
        expectValid(sequential([alone]));
      }
    },
  );

  it('treats a step without type as an agent step and a definition without type as sequential', () => {
    expectValid({ workflow_id: 'wf', name: 'n', steps: [{ id: 'a', agent_name: 'x' }] });
  });
});

describe('schema errors', () => {
  it('reports an unknown field at its own pointer', () => {
    expect(detailsOf(sequential([agent('a', { agentName: 'x' })]))).toEqual([
      { pointer: '/steps/0/agentName', code: 'schema', message: 'unknown field "agentName"' },
    ]);
  });

  it('reports unknown fields in nested steps, state machines and the definition itself', () => {
    const nested = sequential([{ id: 'p', type: 'parallel', parallel_steps: [agent('a', { retries: 3 })] }], {
      owner: 'me',
    });
    expect(sortedCodesAt(nested)).toEqual([
      { code: 'schema', pointer: '/owner' },
      { code: 'schema', pointer: '/steps/0/parallel_steps/0/retries' },
    ]);
    const machine = {
      ...orderLifecycle,
      states: { ...orderLifecycle.states, shipped: { transitions: [], terminal: true, final: true } },
    };
    expect(codesAt(machine)).toEqual([{ code: 'schema', pointer: '/states/shipped/final' }]);
  });

  it('reports an unknown step type at /type, listing the accepted ones', () => {
    const [d] = detailsOf(sequential([{ id: 'a', type: 'lambda' }]));
    expect(d).toMatchObject({ pointer: '/steps/0/type', code: 'schema' });
    expect(d?.message).toContain('"lambda"');
    expect(d?.message).toContain(
      'agent, parallel, conditional, loop, fork_join, sub_workflow, wait_for_event, validation',
    );
  });

  it('reports an unknown definition type at /type', () => {
    expect(codesAt({ ...sequential([agent('a')]), type: 'dag' })).toEqual([
      { code: 'schema', pointer: '/type' },
    ]);
  });

  it('reports a missing required field at its pointer', () => {
    expect(detailsOf(sequential([{ id: 'a' }]))).toEqual([
      { pointer: '/steps/0/agent_name', code: 'schema', message: 'required field is missing' },
    ]);
    expect(codesAt({ workflow_id: 'wf', steps: [agent('a')] })).toEqual([
      { code: 'schema', pointer: '/name' },
    ]);
    expect(codesAt(sequential([{ id: 'v', type: 'validation', schema: {} }]))).toEqual([
      { code: 'schema', pointer: '/steps/0/data' },
    ]);
  });

  it('rejects identifiers that do not match their patterns', () => {
    expect(
      codesAt({
        ...sequential([agent('has.dot'), agent('ok', { agent_name: '-bad' })]),
        workflow_id: 'has space',
      }),
    ).toEqual([
      { code: 'schema', pointer: '/workflow_id' },
      { code: 'schema', pointer: '/steps/0/id' },
      { code: 'schema', pointer: '/steps/1/agent_name' },
    ]);
    const machine = {
      ...orderLifecycle,
      states: { ...orderLifecycle.states, 'bad/name': { transitions: [], terminal: true } },
    };
    expect(codesAt(machine)).toEqual([{ code: 'schema', pointer: '/states/bad~1name' }]);
  });

  it('checks the bounds and enums of the format', () => {
    const steps = [
      { id: 'p', type: 'parallel', parallel_steps: [], max_parallelism: 0 },
      {
        id: 'l',
        type: 'loop',
        loop_over: '${workflow.input}',
        loop_step: agent('b'),
        error_policy: 'ignore',
      },
      { id: 'f', type: 'fork_join', branches: [{ name: 'x', steps: [] }], join_policy: 'SOME' },
      agent('r', {
        retry_config: { max_attempts: 101, jitter: 'yes' },
        cache: { ttl_seconds: 0, scope: 'tenant' },
      }),
      { id: 'w', type: 'wait_for_event', event_type: 'e', source: 'sqs', on_timeout: 'retry' },
      {
        id: 'v',
        type: 'validation',
        data: 1,
        schema: {},
        mode: 'lenient',
        assertions: [{ condition: 'true' }],
      },
    ];
    expect(sortedCodesAt(sequential(steps, { timeout_seconds: 1.5 })).map((d) => d.pointer)).toEqual([
      '/steps/0/max_parallelism',
      '/steps/0/parallel_steps',
      '/steps/1/error_policy',
      '/steps/2/branches/0/steps',
      '/steps/2/join_policy',
      '/steps/3/cache/scope',
      '/steps/3/cache/ttl_seconds',
      '/steps/3/retry_config/jitter',
      '/steps/3/retry_config/max_attempts',
      '/steps/4/on_timeout',
      '/steps/4/source',
      '/steps/5/assertions/0/message',
      '/steps/5/mode',
      '/timeout_seconds',
    ]);
  });

  it('requires at least one step, and a state machine at least one state', () => {
    expect(codesAt(sequential([]))).toEqual([{ code: 'schema', pointer: '/steps' }]);
    expect(
      codesAt({ workflow_id: 'm', name: 'm', type: 'state_machine', initial_state: 'a', states: {} }),
    ).toEqual([{ code: 'schema', pointer: '/states' }]);
  });

  it('keeps the fields of each definition type apart', () => {
    expect(codesAt({ ...orderLifecycle, steps: [agent('a')], start_step: 'a' })).toEqual([
      { code: 'schema', pointer: '/steps' },
      { code: 'schema', pointer: '/start_step' },
    ]);
    expect(codesAt(sequential([agent('a')], { initial_state: 'x' }))).toEqual([
      { code: 'schema', pointer: '/initial_state' },
    ]);
  });

  it('rejects what is not an object', () => {
    for (const input of [null, 'definition', 42, [sequential([agent('a')])]]) {
      expect(detailsOf(input)).toEqual([
        { pointer: '', code: 'schema', message: 'a workflow definition must be a JSON object' },
      ]);
    }
  });

  it('accepts the resource fields of a fetched workflow so it can be PUT back', () => {
    expectValid(
      sequential([agent('a')], {
        version: 2,
        status: 'draft',
        change_summary: 'x',
        previous_version: 1,
        created_at: '2025-01-01T00:00:00Z',
      }),
    );
    expect(codesAt(sequential([agent('a')], { status: 'live' }))).toEqual([
      { code: 'schema', pointer: '/status' },
    ]);
  });
});
