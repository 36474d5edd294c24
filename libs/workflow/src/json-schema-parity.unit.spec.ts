import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { validateAgentSpec } from './agent-spec.validate';
import { agent, sequential } from './fixtures/definitions';
import { everyStepType } from './fixtures/every-step-type';
import { orderFulfilment } from './fixtures/order-fulfilment';
import { orderLifecycle } from './fixtures/state-machine';
import { agentSpecJsonSchema, workflowDefinitionJsonSchema } from './json-schemas';
import { normalizeDefinition } from './normalize';
import { validateDefinition } from './validation/validate-definition';

/**
 * The generated JSON Schemas (what `schemas/` holds) and the zod model give the same verdict on
 * the shape. Graph and cross-field checks (ids, jumps, cycles, references, compiled schemas,
 * n_required, kafka topic, ...) exist in TypeScript only: the JSON Schema accepts those cases.
 */
const ajv = new Ajv2020({ strict: true, allErrors: true });
const jsonSchemaAccepts = ajv.compile(workflowDefinitionJsonSchema());
const jsonSchemaAcceptsAgent = ajv.compile(agentSpecJsonSchema());

function zodVerdict(input: unknown): 'valid' | 'shape' | 'graph' {
  const result = validateDefinition(input);
  if (result.ok) return 'valid';
  return result.error.details.some((d) => d.code === 'schema') ? 'shape' : 'graph';
}

const machine = (states: unknown, extra: Record<string, unknown> = {}) => ({
  ...orderLifecycle,
  states,
  ...extra,
});
const validated = validateDefinition(everyStepType);
if (!validated.ok) throw validated.error;

const valid: [string, unknown][] = [
  ['the SPEC example', orderFulfilment],
  ['a state machine', orderLifecycle],
  ['every step type', everyStepType],
  ['a normalized definition', normalizeDefinition(validated.value)],
  ['a minimal definition', sequential([agent('a')])],
];

const graphInvalid: [string, unknown][] = [
  ['a duplicate id', sequential([agent('a'), agent('a')])],
  ['a reserved id', sequential([agent('run')])],
  ['a cycle', sequential([agent('a', { next_step: 'a' })])],
  ['an unknown next_step', sequential([agent('a', { next_step: 'b' })])],
  ['an unknown state', { ...orderLifecycle, initial_state: 'nope' }],
  [
    'N_OF_M without n_required',
    sequential([
      { id: 'f', type: 'fork_join', join_policy: 'N_OF_M', branches: [{ name: 'b', steps: [agent('x')] }] },
    ]),
  ],
  [
    'kafka without topic',
    sequential([{ id: 'w', type: 'wait_for_event', event_type: 'e', source: 'kafka' }]),
  ],
  ['an input_schema that does not compile', sequential([agent('a')], { input_schema: { type: 'objekt' } })],
  ['an unknown step reference', sequential([agent('a', { input_mapping: '${ghost.output}' })])],
];

const shapeInvalid: [string, unknown][] = [
  ['an unknown field', sequential([agent('a')], { extra: 1 })],
  ['an unknown step field', sequential([agent('a', { agentName: 'x' })])],
  ['an unknown step type', sequential([{ id: 'a', type: 'lambda' }])],
  ['a parallel step without type', sequential([{ id: 'p', parallel_steps: [agent('a')] }])],
  ['a missing agent_name', sequential([{ id: 'a' }])],
  ['a missing validation data', sequential([{ id: 'v', type: 'validation', schema: {} }])],
  ['no steps', sequential([])],
  ['a bad workflow_id', { ...sequential([agent('a')]), workflow_id: '-x' }],
  ['a bad step id', sequential([agent('a.b')])],
  ['a fractional timeout', sequential([agent('a', { timeout_seconds: 1.5 })])],
  ['a zero ttl', sequential([agent('a', { cache: { ttl_seconds: 0 } })])],
  [
    'a bad enum',
    sequential([
      {
        id: 'l',
        type: 'loop',
        loop_over: '${workflow.input.x}',
        loop_step: agent('b'),
        error_policy: 'ignore',
      },
    ]),
  ],
  ['an empty branch', sequential([{ id: 'f', type: 'fork_join', branches: [{ name: 'b', steps: [] }] }])],
  [
    'a nested bad step',
    sequential([
      {
        id: 'p',
        type: 'parallel',
        parallel_steps: [{ id: 'q', type: 'loop', loop_over: 'x', loop_step: { id: 'r' } }],
      },
    ]),
  ],
  ['next_step of a wrong type', sequential([agent('a', { next_step: 3 })])],
  ['max_attempts above 100', sequential([agent('a', { retry_config: { max_attempts: 101 } })])],
  ['an unknown definition type', { ...sequential([agent('a')]), type: 'dag' }],
  ['steps in a state machine', machine(orderLifecycle.states, { steps: [agent('a')] })],
  ['no states', machine({})],
  ['a bad state name', machine({ ...orderLifecycle.states, 'a b': { transitions: [], terminal: true } })],
  ['a state without transitions field', machine({ ...orderLifecycle.states, done: { terminal: true } })],
  [
    'a state action of a wrong type',
    machine({ ...orderLifecycle.states, done: { action: 'x', transitions: [], terminal: true } }),
  ],
  ['a non-object input_schema', sequential([agent('a')], { input_schema: true })],
  ['an array', [sequential([agent('a')])]],
  ['null', null],
];

describe('JSON Schema parity', () => {
  it.each(valid)('both accept %s', (_name, input) => {
    expect(zodVerdict(input)).toBe('valid');
    expect(jsonSchemaAccepts(input)).toBe(true);
  });

  it.each(graphInvalid)('the shape passes both, the graph checks refuse %s', (_name, input) => {
    expect(zodVerdict(input)).toBe('graph');
    expect(jsonSchemaAccepts(input)).toBe(true);
  });

  it.each(shapeInvalid)('both refuse %s', (_name, input) => {
    expect(zodVerdict(input)).toBe('shape');
    expect(jsonSchemaAccepts(input)).toBe(false);
  });

  it('agrees on agent registrations', () => {
    const cases: [unknown, boolean][] = [
      [{ name: 'a', url: 'http://localhost:1/rpc' }, true],
      [
        {
          name: 'a',
          url: 'https://x.example',
          method: 'm',
          timeout_seconds: 3600,
          headers: { a: 'b' },
          circuit_breaker_config: { failure_rate_threshold: 1 },
        },
        true,
      ],
      [{ name: 'a', url: 'ftp://x.example' }, false],
      [{ name: 'a', url: 'http://x', timeout_seconds: 3601 }, false],
      [{ name: 'a', url: 'http://x', extra: 1 }, false],
      [{ name: '.a', url: 'http://x' }, false],
      [{ url: 'http://x' }, false],
      [{ name: 'a', url: 'http://x', circuit_breaker_config: { failure_rate_threshold: 0 } }, false],
    ];
    for (const [input, expected] of cases) {
      expect([input, validateAgentSpec(input).ok]).toEqual([input, expected]);
      expect([input, jsonSchemaAcceptsAgent(input)]).toEqual([input, expected]);
    }
  });
});
