import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, MAX_STEP_DEPTH, MAX_STEPS } from '../identifiers';
import { agent, codesAt, detailsOf, expectValid, sequential } from '../fixtures/definitions';

/** Parallel steps nested `depth` deep (the innermost is an agent step). */
function nestedParallel(depth: number): unknown {
  let step: unknown = agent(`s${depth}`);
  for (let d = depth - 1; d >= 1; d--) step = { id: `s${d}`, type: 'parallel', parallel_steps: [step] };
  return step;
}

describe('plain JSON', () => {
  it('refuses values JSON cannot hold, each at its pointer', () => {
    const def = sequential([
      agent('a', { input_mapping: { f: () => 1, n: Number.NaN, d: new Map(), list: [1, undefined] } }),
    ]);
    expect(codesAt(def)).toEqual([
      { code: 'not_json', pointer: '/steps/0/input_mapping/f' },
      { code: 'not_json', pointer: '/steps/0/input_mapping/n' },
      { code: 'not_json', pointer: '/steps/0/input_mapping/d' },
      { code: 'not_json', pointer: '/steps/0/input_mapping/list/1' },
    ]);
  });

  it('treats properties holding undefined as absent', () => {
    expectValid(sequential([agent('a', { description: undefined })], { metadata: undefined }));
  });

  it('refuses __proto__ keys', () => {
    const def = sequential([agent('a', { input_mapping: JSON.parse('{"__proto__": {"polluted": true}}') })]);
    expect(codesAt(def)).toEqual([{ code: 'not_json', pointer: '/steps/0/input_mapping/__proto__' }]);
  });

  it(`refuses JSON nested deeper than ${MAX_JSON_DEPTH} levels, and circular values, without recursing`, () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(codesAt(sequential([agent('a')], { metadata: { deep } }))).toEqual([
      { code: 'too_deep', pointer: `/metadata/deep${'/0'.repeat(MAX_JSON_DEPTH - 2)}` },
    ]);
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(codesAt(sequential([agent('a')], { metadata: circular }))[0]?.code).toBe('too_deep');
  });
});

describe('step limits', () => {
  it(`accepts steps nested ${MAX_STEP_DEPTH} deep and refuses one level more`, () => {
    expectValid(sequential([nestedParallel(MAX_STEP_DEPTH)]));
    const [d, ...rest] = detailsOf(sequential([nestedParallel(MAX_STEP_DEPTH + 1)]));
    expect(rest).toEqual([]);
    expect(d).toEqual({
      pointer: '/steps/0' + '/parallel_steps/0'.repeat(MAX_STEP_DEPTH),
      code: 'too_deep',
      message: `steps are nested more than ${MAX_STEP_DEPTH} levels deep`,
    });
  });

  it('counts nesting through loops, branches and state actions too', () => {
    let step: unknown = agent('leaf');
    for (let d = MAX_STEP_DEPTH; d >= 1; d--) {
      step =
        d % 2 === 0
          ? { id: `l${d}`, type: 'loop', loop_over: '${workflow.input.x}', loop_step: step }
          : { id: `f${d}`, type: 'fork_join', branches: [{ name: 'b', steps: [step] }] };
    }
    const def = {
      workflow_id: 'm',
      name: 'm',
      type: 'state_machine',
      initial_state: 's',
      states: { s: { action: step, transitions: [], terminal: true } },
    };
    expect(codesAt(def).map((d) => d.code)).toEqual(['too_deep']);
  });

  it(`refuses more than ${MAX_STEPS} steps`, () => {
    const steps = Array.from({ length: MAX_STEPS + 1 }, (_, i) => agent(`s${i}`));
    expect(detailsOf(sequential(steps))).toEqual([
      {
        pointer: '',
        code: 'too_many_steps',
        message: `a definition has at most ${MAX_STEPS} steps, nested ones included; this one has ${MAX_STEPS + 1}`,
      },
    ]);
  });

  it(`accepts ${MAX_STEPS} steps`, () => {
    const steps = Array.from({ length: MAX_STEPS }, (_, i) =>
      agent(`s${i}`, i % 2 === 0 ? { input_mapping: `\${s${i - 1 < 0 ? 1 : i - 1}.output}` } : {}),
    );
    expectValid(sequential(steps));
  });
});
