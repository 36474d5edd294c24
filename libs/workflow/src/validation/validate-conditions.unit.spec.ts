import { describe, expect, it } from 'vitest';
import { agent, codesAt, detailsOf, expectValid, sequential } from '../fixtures/definitions';
import { everyStepType } from '../fixtures/every-step-type';
import { orderLifecycle } from '../fixtures/state-machine';

/** A copy of a fixture with every condition (`condition`, `match`) rewritten. */
function withConditions(fixture: object, rewrite: (condition: string) => string): unknown {
  return JSON.parse(JSON.stringify(fixture), (key: string, value: unknown) =>
    (key === 'condition' || key === 'match') && typeof value === 'string' ? rewrite(value) : value,
  );
}

const conditional = (id: string, condition: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'conditional',
  condition,
  if_true_step: 'yes',
  if_false_step: 'no',
  ...extra,
});
const branches = [agent('yes', { next_step: null }), agent('no')];

const EVERY_CONDITION_POINTER = [
  '/on_complete/0/condition',
  '/steps/0/cache/condition',
  '/steps/2/condition',
  '/steps/6/match',
  '/steps/7/assertions/0/condition',
];

describe('conditions are parsed by the condition language', () => {
  it('accepts the fixtures, whose conditions are valid', () => {
    expectValid(everyStepType);
    expectValid(orderLifecycle);
  });

  it('reports a condition that does not parse as invalid_condition at it, with the position', () => {
    const [d, ...rest] = detailsOf(sequential([conditional('c', '${workflow.input.n} > five'), ...branches]));
    expect(rest).toEqual([]);
    expect(d).toEqual({
      pointer: '/steps/0/condition',
      code: 'invalid_condition',
      message: expect.stringContaining("'five' is not allowed") as unknown,
    });
    expect(d?.message).toContain('at position 22');
  });

  it('checks every kind of condition, without any hook', () => {
    const broken = withConditions(everyStepType, (c) => `${c} and`);
    expect(codesAt(broken)).toEqual(
      EVERY_CONDITION_POINTER.map((pointer) => ({ code: 'invalid_condition', pointer })),
    );
    expect(codesAt(withConditions(orderLifecycle, () => '1 = 1'))).toEqual([
      { code: 'invalid_condition', pointer: '/states/paid/transitions/0/condition' },
    ]);
  });

  it.each([
    ['${a.output.__proto__} == 1', '${a.output.__proto__} == 1'],
    ['constructor', 'constructor'],
    ['x.constructor', 'x.constructor'],
    ['toString()', 'toString()'],
    ['${a.output.x}()', '${a.output.x}()'],
    ['(() => 1)()', '(() => 1)()'],
    ['this', 'this'],
    ['${a.output[?(@.a)]} == 1', '${a.output[?(@.a)]} == 1'],
    ['1 == 1 ; 2', '1 == 1 ; 2'],
    ['`x` == 1', '`x` == 1'],
    ['10,000 nested parentheses', `${'('.repeat(10_000)}true${')'.repeat(10_000)}`],
    ['a 100 kB condition', `${'${a.output.x} == 1 and '.repeat(5_000)}true`],
  ])('refuses the hostile condition %s at save time', (_label, condition) => {
    const result = codesAt(sequential([agent('a'), conditional('c', condition), ...branches]));
    expect(result).toEqual([{ code: 'invalid_condition', pointer: '/steps/1/condition' }]);
  });
});

describe('references inside conditions', () => {
  it('must name existing steps', () => {
    const [d, ...rest] = detailsOf(
      sequential([
        agent('a'),
        conditional('c', '${a.output.ok} == true and ${ghost.output.n} > 1'),
        ...branches,
      ]),
    );
    expect(rest).toEqual([]);
    expect(d).toEqual({
      pointer: '/steps/1/condition',
      code: 'unknown_reference',
      message: '${ghost.output.n}: no step has id "ghost"',
    });
  });

  it('reports each unknown reference of each kind of condition', () => {
    const renamed = withConditions(everyStepType, (c) => `${c} or \${nowhere.output} == 1`);
    expect(codesAt(renamed)).toEqual(
      EVERY_CONDITION_POINTER.map((pointer) => ({ code: 'unknown_reference', pointer })),
    );
  });

  it('must make sense where they are written: loop, branch, event', () => {
    const inLoop = {
      id: 'l',
      type: 'loop',
      loop_over: '${workflow.input.items}',
      loop_step: {
        id: 'v',
        type: 'validation',
        data: {},
        schema: {},
        assertions: [{ condition: '${loop.index} < 10', message: 'at most 10 items' }],
      },
    };
    expectValid(sequential([inLoop]));
    expect(
      codesAt(
        sequential([
          conditional('c', "${loop.item} == 1 or ${branch.name} == 'x' or ${event.kind} == 1"),
          ...branches,
        ]),
      ),
    ).toEqual([
      { code: 'invalid_reference_context', pointer: '/steps/0/condition' },
      { code: 'invalid_reference_context', pointer: '/steps/0/condition' },
      { code: 'invalid_reference_context', pointer: '/steps/0/condition' },
    ]);
  });

  it('lets a wait_for_event match read the event, in a sequential workflow', () => {
    const wait = {
      id: 'w',
      type: 'wait_for_event',
      event_type: 'paid',
      source: 'webhook',
      match: '${event.order.id} == ${workflow.input.id}',
    };
    expectValid(sequential([wait]));
  });
});

describe('the extra condition hook', () => {
  it('is called with every condition that parses', () => {
    const seen: string[] = [];
    expectValid(everyStepType, { checkCondition: (e) => (seen.push(e), null) });
    expect(seen.sort()).toEqual(
      [
        "${run.status} == 'COMPLETED'",
        '${workflow.input.cache} == true',
        '${fetch.output.count} > 0',
        '${event.order_id} == ${workflow.input.id}',
        '${child.output.total} >= 0',
      ].sort(),
    );
  });

  it('turns a returned message into an invalid_condition error at the condition', () => {
    const reject = (): string => 'nope';
    expect(codesAt(everyStepType, { checkCondition: reject })).toEqual(
      EVERY_CONDITION_POINTER.map((pointer) => ({ code: 'invalid_condition', pointer })),
    );
    expect(codesAt(orderLifecycle, { checkCondition: reject })).toEqual([
      { code: 'invalid_condition', pointer: '/states/paid/transitions/0/condition' },
    ]);
  });

  it('is not called for a condition the language refuses, which is reported once', () => {
    const seen: string[] = [];
    const def = sequential([conditional('c', 'nope'), ...branches]);
    const [d, ...rest] = detailsOf(def, { checkCondition: (e) => (seen.push(e), 'hook says no') });
    expect(seen).toEqual([]);
    expect(rest).toEqual([]);
    expect(d?.message).toMatch(/^invalid condition: 'nope' is not allowed/);
  });
});
