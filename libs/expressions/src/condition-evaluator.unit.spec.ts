import type { WeftError } from '@weft/contracts';
import { describe, expect, it } from 'vitest';
import { evaluateCondition, parseCondition, type ReferenceScope } from './index';

const scope: ReferenceScope = {
  workflow: { input: { n: 5, s: '5', name: 'Ada', tags: ['a', 'b'], flag: true, nothing: null } },
  steps: {
    a: { output: { x: null, obj: { k: 1, nested: { z: [1, 2] } }, list: [{ id: 1 }, { id: 2 }] } },
    b: { output: { x: { y: 1 } } },
    pending: {},
  },
  loop: { item: { sku: 'X1' }, index: 2 },
};

function run(src: string, at: ReferenceScope = scope): boolean {
  const parsed = parseCondition(src);
  if (!parsed.ok) throw new Error(`expected ${src} to parse: ${parsed.error.message}`);
  const value = evaluateCondition(parsed.value, at);
  if (!value.ok) throw new Error(`expected ${src} to evaluate: ${value.error.message}`);
  return value.value;
}

function failure(src: string, at: ReferenceScope = scope): WeftError {
  const parsed = parseCondition(src);
  if (!parsed.ok) throw new Error(`expected ${src} to parse: ${parsed.error.message}`);
  const value = evaluateCondition(parsed.value, at);
  if (value.ok) throw new Error(`expected ${src} to fail, got ${String(value.value)}`);
  return value.error;
}

describe('evaluateCondition: == and !=', () => {
  it.each<[string, boolean]>([
    ['${workflow.input.n} == 5', true],
    ['${workflow.input.n} != 5', false],
    ["${workflow.input.name} == 'Ada'", true],
    ['${workflow.input.flag} == true', true],
    ['${workflow.input.nothing} == null', true],
    ['${a.output.x} == null', true],
    ["${workflow.input.tags} == ['a', 'b']", true],
    ["${workflow.input.tags} == ['b', 'a']", false],
    ["${workflow.input.tags} == ['a']", false],
    ['${a.output.obj} == ${a.output.obj}', true],
    ['${a.output.obj.nested} != ${b.output.x}', true],
    ['${a.output.list[1]} == ${a.output.list[-1]}', true],
    ['-0 == 0', true],
  ])('%s is %s', (src, expected) => {
    expect(run(src)).toBe(expected);
  });

  it('never coerces: different kinds are unequal', () => {
    expect(run('"5" == 5')).toBe(false);
    expect(run('${workflow.input.s} == ${workflow.input.n}')).toBe(false);
    expect(run('1 == true')).toBe(false);
    expect(run('0 == false')).toBe(false);
    expect(run("null == ''")).toBe(false);
    expect(run('null == false')).toBe(false);
    expect(run('[] == ""')).toBe(false);
    expect(run('"5" != 5')).toBe(true);
  });

  it('compares objects by own keys regardless of order', () => {
    const at: ReferenceScope = {
      steps: { p: { output: { a: 1, b: [2] } }, q: { output: { b: [2], a: 1 } } },
    };
    expect(run('${p.output} == ${q.output}', at)).toBe(true);
    const other: ReferenceScope = { steps: { p: { output: { a: 1 } }, q: { output: { a: 1, b: 2 } } } };
    expect(run('${p.output} == ${q.output}', other)).toBe(false);
  });

  it('compares deeply nested values without exhausting the stack', () => {
    let deep: unknown = 0;
    for (let i = 0; i < 20_000; i++) deep = [deep];
    const at: ReferenceScope = { steps: { p: { output: deep }, q: { output: deep } } };
    expect(run('${p.output} == ${q.output}', at)).toBe(true);
  });
});

describe('evaluateCondition: < > <= >=', () => {
  it.each<[string, boolean]>([
    ['${workflow.input.n} > 3', true],
    ['${workflow.input.n} < 3', false],
    ['${workflow.input.n} >= 5', true],
    ['${workflow.input.n} <= 4.5', false],
    ['-1 < 0', true],
    ["'apple' < 'banana'", true],
    ["'B' < 'a'", true],
    ["'10' < '9'", true],
    ["'abc' >= 'abc'", true],
  ])('%s is %s', (src, expected) => {
    expect(run(src)).toBe(expected);
  });

  it.each([
    ['"5" > 3', `'>' compares two numbers or two strings, not string "5" and number 3`],
    ['${workflow.input.s} < ${workflow.input.n}', `not string "5" and number 5`],
    ['null < 1', 'not null and number 1'],
    ['true > false', 'not boolean true and boolean false'],
    ['[1] <= [2]', 'not array of 1 and array of 1'],
    ['${a.output.obj} >= 1', 'not object and number 1'],
  ])('%s is a type error', (src, message) => {
    const e = failure(src);
    expect(e.code).toBe('INVALID_EXPRESSION');
    expect(e.message).toContain(message);
  });

  it('locates a type error at its operator', () => {
    expect(failure('true and "5" > 3').message).toBe(
      `condition type error at position 13: '>' compares two numbers or two strings, not string "5" and number 3`,
    );
  });
});

describe('evaluateCondition: in and contains', () => {
  it.each<[string, boolean]>([
    ["'a' in ${workflow.input.tags}", true],
    ["'c' in ${workflow.input.tags}", false],
    ['2 in [1, 2, 3]', true],
    ["'2' in [1, 2, 3]", false],
    ['[1, 2] in [[1, 2], [3]]', true],
    ['${a.output.list[0]} in ${a.output.list}', true],
    ["'Ad' in ${workflow.input.name}", true],
    ["'ad' in ${workflow.input.name}", false],
    ["'' in 'abc'", true],
    ["'k' in ${a.output.obj}", true],
    ["'z' in ${a.output.obj}", false],
    ["'toString' in ${a.output.obj}", false],
    ["'__proto__' in ${a.output.obj}", false],
    ["${workflow.input.tags} contains 'b'", true],
    ["${workflow.input.name} contains 'da'", true],
    ["${a.output.obj} contains 'nested'", true],
    ["${a.output.obj} contains 'constructor'", false],
    ['[null] contains null', true],
  ])('%s is %s', (src, expected) => {
    expect(run(src)).toBe(expected);
  });

  it.each([
    ['1 in 5', "'in' needs an array, a string or an object on the right, not number 5"],
    ['1 in null', "'in' needs an array, a string or an object on the right, not null"],
    ["1 in 'abc'", "'in' with a string needs a string on the left, not number 1"],
    ['1 in ${a.output.obj}', "'in' with an object needs a string on the left, not number 1"],
    ['5 contains 1', "'contains' needs an array, a string or an object on the left, not number 5"],
    ["'abc' contains 1", "'contains' with a string needs a string on the right, not number 1"],
  ])('%s is a type error', (src, message) => {
    expect(failure(src).message).toContain(message);
  });
});

describe('evaluateCondition: not, and, or', () => {
  it.each<[string, boolean]>([
    ['not true', false],
    ['not false', true],
    ['not not true', true],
    ['true and true', true],
    ['true and false', false],
    ['false or true', true],
    ['false or false', false],
    ['not 1 == 2', true],
    ['not false and false', false],
    ['true or false and false', true],
    ['(true or false) and false', false],
    ['false and true or true', true],
    ['not (true and false)', true],
  ])('%s is %s', (src, expected) => {
    expect(run(src)).toBe(expected);
  });

  it('needs booleans: no truthiness', () => {
    expect(failure('not 0').message).toBe(
      "condition type error at position 0: 'not' needs a boolean, not number 0",
    );
    expect(failure("true and 'yes'").message).toBe(
      `condition type error at position 9: 'and' needs boolean operands, not string "yes"`,
    );
    expect(failure('false or null').message).toContain("'or' needs boolean operands, not null");
  });

  it('short-circuits: a later operand that would fail is not evaluated', () => {
    expect(run('${a.output.x} != null and ${a.output.x.y} == 1')).toBe(false);
    expect(run('${b.output.x} != null and ${b.output.x.y} == 1')).toBe(true);
    expect(run('false and ${missing.output} == 1')).toBe(false);
    expect(run('true or ${missing.output} == 1')).toBe(true);
    expect(run('true or "5" > 3')).toBe(true);
    expect(failure('true and ${missing.output} == 1').code).toBe('REFERENCE_NOT_FOUND');
    expect(failure('false or "5" > 3').code).toBe('INVALID_EXPRESSION');
  });
});

describe('evaluateCondition: references', () => {
  it('a reference that finds nothing is REFERENCE_NOT_FOUND naming it', () => {
    const e = failure('${a.output.nope} == 1');
    expect(e.code).toBe('REFERENCE_NOT_FOUND');
    expect(e.message).toContain('${a.output.nope}');
    expect(failure('${pending.output} == 1').message).toContain("step 'pending' has no output yet");
    expect(failure('${branch.name} == "x"').message).toContain('not inside a branch');
  });

  it('uses the ?? default when the reference finds nothing, but not for a null value', () => {
    expect(run('${a.output.nope ?? 0} == 0')).toBe(true);
    expect(run("${missing.output.x ?? 'none'} == 'none'")).toBe(true);
    expect(run('${a.output.x ?? 1} == null')).toBe(true);
    expect(run('${b.output.x.y ?? 7} == 1')).toBe(true);
  });

  it('reads loop values', () => {
    expect(run("${loop.item.sku} == 'X1' and ${loop.index} >= 2")).toBe(true);
  });
});

describe('evaluateCondition: the result', () => {
  it('must be a boolean', () => {
    expect(failure('${workflow.input.n}').message).toBe('condition must evaluate to a boolean, not number 5');
    expect(failure("'yes'").message).toBe('condition must evaluate to a boolean, not string "yes"');
    expect(failure('null').message).toBe('condition must evaluate to a boolean, not null');
    expect(failure('[true]').code).toBe('INVALID_EXPRESSION');
    expect(run('${workflow.input.flag}')).toBe(true);
    expect(run('true')).toBe(true);
  });
});
