import { describe, expect, it } from 'vitest';
import { checkConditionSyntax, parseCondition } from './index';

/** The message of a refused condition; fails if it parses or if parsing throws. */
function refused(src: string): string {
  const r = parseCondition(src);
  if (r.ok) throw new Error(`expected the condition to be refused: ${src.slice(0, 80)}`);
  expect(r.error.code).toBe('INVALID_EXPRESSION');
  expect(r.error.message).toMatch(/^invalid condition: .* at position \d+ /);
  return r.error.message;
}

describe('hostile conditions are refused cleanly at validation', () => {
  it.each([
    [
      '${a.output.__proto__} == 1',
      "path segment '__proto__' is not allowed (prototype access) at position 11",
    ],
    ['${a.output.constructor} == 1', "'constructor' is not allowed (prototype access)"],
    ["${a.output['prototype']} == 1", 'prototype access'],
    ['${__proto__.output} == 1', "step id '__proto__' is not allowed (prototype access) at position 2"],
    ['constructor', "'constructor' is not allowed (prototype access) at position 0"],
    ['__proto__ == 1', "'__proto__' is not allowed (prototype access)"],
    ['x.constructor', 'property access is only allowed inside a reference'],
    ['${a.output}.constructor == 1', 'property access is only allowed inside a reference'],
    ["${a.output}['__proto__'] == 1", 'property access is only allowed inside a reference'],
    ['toString()', 'function calls are not allowed at position 0'],
    ['${a.output.x}()', 'function calls are not allowed at position 0'],
    ['(() => 1)()', 'arrow functions are not allowed at position 4'],
    ['this', "'this' is not allowed at position 0"],
    ['this.x == 1', 'property access is only allowed inside a reference'],
    ['a.b', 'property access is only allowed inside a reference, like ${step.output.field} at position 0'],
    ['${x.output[?(@.a)]} == 1', 'JSONPath filter and script expressions are disabled at position 10'],
    ['${x.output[(@.length-1)]} == 1', 'JSONPath filter and script expressions are disabled'],
    ['1 == 1 ; 2', "';' is not allowed: a condition is a single expression at position 7"],
    ['1 == 1, 2', 'a condition is a single expression at position 8'],
    ['`${a.output}` == 1', 'template literals are not allowed at position 0'],
    ['1 == `x`', 'template literals are not allowed at position 5'],
    ['{} == 1', 'object literals and blocks are not allowed at position 0'],
    ['/a/.test("a")', 'arithmetic is not allowed at position 0'],
    ['new Function("x")', "'new' is not allowed"],
    ['eval("1")', 'function calls are not allowed'],
    ['globalThis == 1', "'globalThis' is not allowed"],
    ['process.exit()', 'function calls are not allowed'],
    ['${a.output} == 1 ? 1 : 0', "'?' is not allowed"],
    ['${a.output}?.x == 1', "'?' is not allowed"],
    ['a = 1', "'=' is not allowed: write '=='"],
    ['"\\u0041" == "A"', "unknown escape '\\u' in string"],
    ['1 == 1 \u2028', 'unexpected character U+2028 at position 7 (near "\\u2028")'],
    ['1 == 1\u00a0', 'unexpected character U+00A0 at position 6'],
  ])('%s', (src, message) => {
    expect(refused(src)).toContain(message);
  });

  it('refuses a 100 kB condition before parsing it', () => {
    const src = `${'${workflow.input.x} == 1 and '.repeat(3_500)}true`;
    expect(src.length).toBeGreaterThan(100_000);
    expect(refused(src)).toBe(
      `invalid condition: condition longer than 10000 characters (${src.length}) at position 10000 (near "${src.slice(10_000, 10_024)}…")`,
    );
  });

  it('refuses 10,000 nested parentheses without exhausting the stack', () => {
    expect(refused(`${'('.repeat(10_000)}true${')'.repeat(10_000)}`)).toContain('condition longer than');
    expect(refused(`${'('.repeat(4_999)}true`)).toContain('nested deeper than 64 levels at position 64');
    expect(refused(`${'['.repeat(9_999)}`)).toContain('nested deeper than 64 levels');
    expect(refused(`${'not '.repeat(2_499)}true`)).toContain('nested deeper than 64 levels');
  });

  it('refuses a long chain of chained comparisons quickly, and many references within the limit', () => {
    expect(refused(`${'1 == '.repeat(1_999)}1`)).toContain('comparisons cannot be chained');
    const refs = Array.from({ length: 900 }, (_, i) => `\${s${i}.output}`).join(',');
    expect(refused(`[${refs}] == []`)).toContain('longer than');
    const fewer = Array.from({ length: 600 }, (_, i) => `\${s${i}.output}`).join(',');
    expect(checkConditionSyntax(`[${fewer}] == []`)).toBeNull();
  });
});
