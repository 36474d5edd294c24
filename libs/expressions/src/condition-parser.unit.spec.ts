import { describe, expect, it } from 'vitest';
import {
  checkConditionSyntax,
  conditionReferences,
  MAX_CONDITION_LENGTH,
  parseCondition,
  type ConditionAst,
} from './index';

function ast(src: string): ConditionAst {
  const r = parseCondition(src);
  if (!r.ok) throw new Error(`expected ${src} to parse: ${r.error.message}`);
  return r.value;
}

function syntaxError(src: string): string {
  const r = parseCondition(src);
  if (r.ok) throw new Error(`expected ${src} to be refused`);
  expect(r.error.code).toBe('INVALID_EXPRESSION');
  return r.error.message;
}

/** The tree without positions: the shape precedence decides. */
function shape(node: ConditionAst): unknown {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'ref':
      return node.ref.raw;
    case 'array':
      return node.items.map(shape);
    case 'not':
      return ['not', shape(node.operand)];
    case 'and':
    case 'or':
      return [node.kind, ...node.operands.map(shape)];
    case 'compare':
      return [node.op, shape(node.left), shape(node.right)];
    default:
      return [node.kind, shape(node.left), shape(node.right)];
  }
}

const s = (src: string): unknown => shape(ast(src));

describe('parseCondition: literals', () => {
  it.each<[string, unknown]>([
    ['42', 42],
    ['-3.5', -3.5],
    ['1e3', 1000],
    ['0.25', 0.25],
    ["'single'", 'single'],
    ['"double"', 'double'],
    ["'it\\'s'", "it's"],
    ['"tab\\tnew\\nline"', 'tab\tnew\nline'],
    ["''", ''],
    ['true', true],
    ['false', false],
    ['null', null],
  ])('%s', (src, value) => {
    expect(ast(src)).toEqual({ kind: 'literal', value, position: 0 });
  });

  it('arrays of literals, nested arrays and references', () => {
    expect(s("[1, 'a', true, null, -2, [3], ${workflow.input.x}]")).toEqual([
      1,
      'a',
      true,
      null,
      -2,
      [3],
      '${workflow.input.x}',
    ]);
    expect(s('[]')).toEqual([]);
  });

  it('refuses array items that are not values', () => {
    expect(syntaxError('[1 == 1]')).toContain('array items must be literals, arrays or references');
    expect(syntaxError('[1, , 2]')).toContain('empty array slots are not allowed');
  });

  it('refuses escapes outside the literal grammar and unterminated strings', () => {
    expect(syntaxError("'\\x41' == 'A'")).toContain("unknown escape '\\x' in string at position 1");
    expect(syntaxError("'open == 1")).toContain('unterminated string at position 0');
  });

  it("refuses '-' on anything but a number, and numbers out of range", () => {
    expect(syntaxError('-${workflow.input.x} == 1')).toContain("'-' is only allowed before a number");
    expect(syntaxError("-'a' == 1")).toContain("'-' is only allowed before a number");
    expect(syntaxError('- -1 == 1')).toContain("'-' is only allowed before a number");
    expect(syntaxError('1e999 == 1')).toContain('number out of range');
  });
});

describe('parseCondition: references', () => {
  it('parses references with their ?? default, quoted braces included', () => {
    const parsed = ast("${a-step.output.x ?? 'n}a'} == ${workflow.input['k']}");
    expect(conditionReferences(parsed)).toEqual([
      {
        raw: "${a-step.output.x ?? 'n}a'}",
        root: 'step',
        stepId: 'a-step',
        field: 'output',
        path: '$.x',
        default: { value: 'n}a' },
      },
      { raw: "${workflow.input['k']}", root: 'workflow', field: 'input', path: '$.k' },
    ]);
  });

  it('lists every reference in source order, inside arrays and every operator', () => {
    const refs = conditionReferences(
      ast('not (${a.output} in [${b.output}]) and ${c.output} contains 1 or ${d.output} > 2'),
    );
    expect(refs.map((r) => r.stepId)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('records where each reference starts', () => {
    expect(ast('1 == ${loop.index}')).toMatchObject({ right: { kind: 'ref', position: 5 } });
  });

  it('refuses a malformed reference with the position inside the condition', () => {
    expect(syntaxError('1 == ${workflow.output}')).toBe(
      "invalid condition: invalid reference: unknown field 'output' after 'workflow': expected '.input' at position 16 (near \"output}\")",
    );
    expect(syntaxError('${a.output == 1')).toContain("unterminated reference: missing '}' at position 0");
    expect(syntaxError('${${a.output}}')).toContain("nested '${' inside a reference");
  });

  it('refuses a reference written inside quotes, and a stray $', () => {
    expect(syntaxError("'${a.output}' == 'x'")).toContain(
      'a reference inside a quoted string is not expanded: write it outside the quotes at position 1',
    );
    expect(syntaxError('$a == 1')).toContain("'$' is only allowed to open a reference");
    expect(syntaxError('${a.output}x == 1')).toContain(
      'a reference must be followed by a space, an operator or a bracket at position 11',
    );
    expect(syntaxError('x${a.output} == 1')).toContain(
      'a reference must follow a space, an operator or a bracket at position 1',
    );
  });
});

describe('parseCondition: operators and precedence', () => {
  it.each(['==', '!=', '<', '>', '<=', '>='])('comparison %s', (op) => {
    expect(ast(`1 ${op} 2`)).toEqual({
      kind: 'compare',
      op,
      left: { kind: 'literal', value: 1, position: 0 },
      right: { kind: 'literal', value: 2, position: 3 + op.length },
      position: 2,
    });
  });

  it('in, contains, and, or, not', () => {
    expect(s("'a' in ['a']")).toEqual(['in', 'a', ['a']]);
    expect(s("'ab' contains 'a'")).toEqual(['contains', 'ab', 'a']);
    expect(s('true and false')).toEqual(['and', true, false]);
    expect(s('true or false')).toEqual(['or', true, false]);
    expect(s('not true')).toEqual(['not', true]);
  });

  it('binds or < and < not < comparisons', () => {
    expect(s('true or false and false')).toEqual(['or', true, ['and', false, false]]);
    expect(s('false and true or true')).toEqual(['or', ['and', false, true], true]);
    expect(s('not 1 == 2')).toEqual(['not', ['==', 1, 2]]);
    expect(s('not true and false')).toEqual(['and', ['not', true], false]);
    expect(s('not not 1 in [1]')).toEqual(['not', ['not', ['in', 1, [1]]]]);
    expect(s("1 == 1 and 'a' in ['a'] or 2 contains 3")).toEqual([
      'or',
      ['and', ['==', 1, 1], ['in', 'a', ['a']]],
      ['contains', 2, 3],
    ]);
  });

  it('parentheses override precedence and may nest', () => {
    expect(s('(true or false) and false')).toEqual(['and', ['or', true, false], false]);
    expect(s('not (true and false)')).toEqual(['not', ['and', true, false]]);
    expect(s('((1 == 1)) == (true)')).toEqual(['==', ['==', 1, 1], true]);
  });

  it('flattens and/or chains into one node', () => {
    expect(s('true and false and true or false or true')).toEqual([
      'or',
      ['and', true, false, true],
      false,
      true,
    ]);
  });

  it('refuses chained comparisons without parentheses', () => {
    expect(syntaxError('1 < 2 < 3')).toContain('comparisons cannot be chained');
    expect(syntaxError("'a' in ['a'] == true")).toContain('comparisons cannot be chained');
  });

  it('words only count as operators when whole: `notable`, `order`, `index` are words', () => {
    expect(syntaxError('notable')).toContain("'notable' is not allowed");
    expect(s('not(true)')).toEqual(['not', true]);
    expect(s('${loop.index} in[1]')).toEqual(['in', '${loop.index}', [1]]);
    expect(syntaxError('true == order')).toMatch(/'order' is not allowed: .* at position 8 /);
    expect(syntaxError('1 == index')).toMatch(/'index' is not allowed: .* at position 5 /);
    expect(syntaxError('1 == contains')).toContain("'contains' is not allowed");
  });

  it('refuses operators of other languages with a hint', () => {
    expect(syntaxError('1 = 1')).toContain("'=' is not allowed: write '==' to compare at position 2");
    expect(syntaxError('1 === 1')).toContain("'===' is not allowed: write '=='");
    expect(syntaxError('1 !== 1')).toContain("'!==' is not allowed: write '!='");
    expect(syntaxError('!true')).toContain("'!' is not allowed: write 'not'");
    expect(syntaxError('true && false')).toContain("'&' is not allowed: write 'and'");
    expect(syntaxError('true || false')).toContain("'|' is not allowed: write 'or'");
    expect(syntaxError('1 + 1 == 2')).toContain('arithmetic is not allowed');
    expect(syntaxError('2 - 1 == 1')).toContain('a condition is a single expression');
    expect(syntaxError('1 <> 2')).toContain("'<>' is not an operator");
    expect(syntaxError('${a.output} ?? 1 == 1')).toContain("'?' is not allowed");
    expect(syntaxError('true ? 1 : 2')).toContain("'?' is not allowed");
  });
});

describe('parseCondition: errors carry a position', () => {
  it('points at the offending token, with an excerpt', () => {
    expect(syntaxError('${a.output.x} == foo')).toBe(
      'invalid condition: \'foo\' is not allowed: values are literals (numbers, quoted strings, true, false, null, arrays) or references like ${step.output.field} at position 17 (near "foo")',
    );
    expect(syntaxError('1 ==')).toContain('at the end');
    expect(syntaxError('(1 == 1')).toContain('Unclosed (');
    expect(syntaxError('1 == 1)')).toContain('Unexpected ")" at position 6');
    expect(syntaxError('not')).toContain("expected an operand after 'not' at position 3");
    expect(syntaxError('')).toContain('condition is empty');
    expect(syntaxError('1 2')).toContain('a condition is a single expression at position 2');
    expect(syntaxError('1 == 1 é')).toContain('unexpected character U+00E9 at position 7');
  });
});

describe('parseCondition: limits', () => {
  it('parses a long or-chain within the length limit', () => {
    const src = Array.from({ length: 200 }, (_, i) => `\${workflow.input.x} == ${i}`).join(' or ');
    expect(src.length).toBeLessThanOrEqual(MAX_CONDITION_LENGTH);
    const parsed = ast(src);
    expect(parsed.kind === 'or' && parsed.operands.length).toBe(200);
  });

  it('refuses more than 1,000 nodes', () => {
    expect(syntaxError(`[${'1,'.repeat(1_000)}1] == []`)).toContain('more than 1000 operands and operators');
  });

  it('allows nesting up to the depth limit, refuses deeper', () => {
    expect(s(`${'('.repeat(60)}true${')'.repeat(60)}`)).toBe(true);
    expect(syntaxError(`${'('.repeat(100)}true${')'.repeat(100)}`)).toContain(
      'nested deeper than 64 levels at position 64',
    );
    expect(syntaxError(`${'['.repeat(100)}${']'.repeat(100)}`)).toContain('nested deeper than 64 levels');
    expect(syntaxError(`${'not '.repeat(2_000)}true`)).toContain('nested deeper than 64 levels');
    expect(syntaxError(`${'-'.repeat(2_000)}1 == 1`)).toContain('nested deeper than 64 levels');
  });
});

describe('checkConditionSyntax', () => {
  it('is null for a valid condition and the message otherwise', () => {
    expect(checkConditionSyntax('${a.output.ok} == true')).toBeNull();
    expect(checkConditionSyntax('ok')).toMatch(/^invalid condition: 'ok' is not allowed/);
  });
});
