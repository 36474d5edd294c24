import { describe, expect, it } from 'vitest';
import {
  FILTER_DISABLED_MESSAGE,
  parseReference,
  parseTemplate,
  type Reference,
  type TemplatePart,
} from './index';

function parsed(inner: string): Reference {
  const r = parseReference(inner);
  if (!r.ok) throw new Error(`expected ${inner} to parse: ${r.error.message}`);
  return r.value;
}

function parseError(inner: string): { code: string; message: string } {
  const r = parseReference(inner);
  if (r.ok) throw new Error(`expected ${inner} to be refused`);
  return { code: r.error.code, message: r.error.message };
}

function templateError(s: string): { code: string; message: string } {
  const r = parseTemplate(s);
  if (r.ok) throw new Error(`expected template to be refused`);
  return { code: r.error.code, message: r.error.message };
}

describe('parseReference: roots', () => {
  it.each<[string, Omit<Reference, 'raw'>]>([
    ['workflow.input', { root: 'workflow', field: 'input', path: '$' }],
    ['workflow.input.order.id', { root: 'workflow', field: 'input', path: '$.order.id' }],
    ['validate.output', { root: 'step', stepId: 'validate', field: 'output', path: '$' }],
    ['fetch-user_2.output.name', { root: 'step', stepId: 'fetch-user_2', field: 'output', path: '$.name' }],
    ['_x.output', { root: 'step', stepId: '_x', field: 'output', path: '$' }],
    ['loop.item', { root: 'loop', field: 'item', path: '$' }],
    ['loop.item.sku', { root: 'loop', field: 'item', path: '$.sku' }],
    ['loop.index', { root: 'loop', field: 'index', path: '$' }],
    ['branch.name', { root: 'branch', field: 'name', path: '$' }],
    ['event', { root: 'event', path: '$' }],
    ['event.payload.amount', { root: 'event', path: '$.payload.amount' }],
    ["event['content-type']", { root: 'event', path: '$.content-type' }],
    ['run.id', { root: 'run', field: 'id', path: '$' }],
    ['run.status', { root: 'run', field: 'status', path: '$' }],
    ['run.output', { root: 'run', field: 'output', path: '$' }],
    ['run.output.total', { root: 'run', field: 'output', path: '$.total' }],
    ['state.name', { root: 'state', field: 'name', path: '$' }],
    ['schedule.fire_time', { root: 'schedule', field: 'fire_time', path: '$' }],
    ['now', { root: 'now', path: '$' }],
  ])('${%s}', (inner, expected) => {
    expect(parsed(inner)).toEqual({ raw: '${' + inner + '}', ...expected });
  });

  it.each([
    ['workflow', "expected '.input' after 'workflow'"],
    ['workflow.output', "unknown field 'output' after 'workflow'"],
    ['loop', "expected '.item' or '.index' after 'loop'"],
    ['loop.index.x', 'loop.index takes no path'],
    ['branch.name[0]', 'branch.name takes no path'],
    ['run.id.x', 'run.id takes no path'],
    ['now.x', 'now takes no path'],
    ['schedule.time', "unknown field 'time' after 'schedule'"],
    ['validate', "expected '.output' after step id 'validate'"],
    ['validate.input', "unknown field 'input' after step id 'validate'"],
    ['1step.output', 'expected a reference root'],
    ['-step.output', 'expected a reference root'],
    ['__proto__.output', "step id '__proto__' is not allowed"],
    ['constructor.output', "step id 'constructor' is not allowed"],
    ['', 'empty reference'],
    ['   ', 'empty reference'],
    ['workflow.input x', 'unexpected "x" in reference'],
  ])('refuses ${%s}', (inner, message) => {
    const e = parseError(inner);
    expect(e.code).toBe('INVALID_EXPRESSION');
    expect(e.message).toContain(message);
    expect(e.message).toContain('${' + inner + '}');
  });

  it('treats reserved words as roots, never as step ids', () => {
    for (const word of ['workflow', 'loop', 'branch', 'run', 'state', 'schedule']) {
      expect(parseReference(`${word}.output`).ok, word).toBe(word === 'run');
    }
    expect(parsed('workflow-2.output')).toMatchObject({ root: 'step', stepId: 'workflow-2' });
    expect(parsed('nowish.output')).toMatchObject({ root: 'step', stepId: 'nowish' });
  });

  it('allows whitespace around the reference and around ??', () => {
    expect(parsed('  a.output.x   ??   1  ')).toMatchObject({
      stepId: 'a',
      path: '$.x',
      default: { value: 1 },
    });
  });
});

describe('parseReference: JSONPath', () => {
  it.each([
    ['a.output.x.y', '$.x.y'],
    ["a.output['x y']", "$['x y']"],
    ['a.output["x y"].z', "$['x y'].z"],
    ["a.output['a.b']", "$['a.b']"],
    ["a.output['plain']", '$.plain'],
    ['a.output.items[0]', '$.items[0]'],
    ['a.output.items[-1]', '$.items[-1]'],
    ['a.output.items.0', '$.items.0'],
    ['a.output.items[*].id', '$.items.*.id'],
    ['a.output.items.*', '$.items.*'],
    ['a.output..id', '$..id'],
    ['a.output..*', '$..*'],
    ["a.output..['x y']", "$..['x y']"],
    ['a.output..[0]', '$..[0]'],
    ['a.output.items[1:3]', '$.items[1:3]'],
    ['a.output.items[:2]', '$.items[:2]'],
    ['a.output.items[-2:]', '$.items[-2:]'],
    ['a.output.items[::2]', '$.items[::2]'],
    ['a.output.items[1:-1:2]', '$.items[1:-1:2]'],
  ])('${%s} has path %s', (inner, path) => {
    expect(parsed(inner).path).toBe(path);
  });

  it.each([
    ['x.output[?(@.a)]', FILTER_DISABLED_MESSAGE],
    ['x.output.items[?(@.price > 1)].id', FILTER_DISABLED_MESSAGE],
    ['x.output[(@.length-1)]', FILTER_DISABLED_MESSAGE],
    ["x.output['?(@.a)']", FILTER_DISABLED_MESSAGE],
    ['x.output?(@.a)', FILTER_DISABLED_MESSAGE],
    ['x.output.@x', FILTER_DISABLED_MESSAGE],
    ['a.output.__proto__', "path segment '__proto__' is not allowed"],
    ['a.output.constructor.name', "path segment 'constructor' is not allowed"],
    ['a.output.x.prototype', "path segment 'prototype' is not allowed"],
    ["a.output['__proto__']", "path segment '__proto__' is not allowed"],
    ['a.output..constructor', "path segment 'constructor' is not allowed"],
    ['workflow.input.__proto__ ?? 1', "path segment '__proto__' is not allowed"],
    ['a.output.', "expected a name or '*' after '.'"],
    ['a.output...x', "expected a name, '*' or '[' after '..'"],
    ['a.output[', "unterminated '['"],
    ['a.output[]', 'expected an index'],
    ['a.output[x]', 'expected an index'],
    ["a.output['x", 'unterminated quoted name'],
    ["a.output['x'", "expected ']' after quoted name"],
    ["a.output['']", 'empty name in brackets'],
    ["a.output['*']", 'cannot be told apart from a selector'],
    ["a.output['1:2']", 'cannot be told apart from a selector'],
    ["a.output['a,b']", 'character "," is not allowed'],
    ["a.output['a\\nb']", 'character "\\\\" is not allowed'],
    ['a.output[1:0]', 'slice end 0 selects nothing'],
    ['a.output[::0]', 'slice step must be a positive integer'],
    ['a.output[::-1]', 'slice step must be a positive integer'],
    ['a.output[-]', "expected digits after '-'"],
    ['a.output[1234567890123456]', 'more than 15 digits'],
    ['a.output[*', "expected ']' after '*'"],
  ])('refuses ${%s}', (inner, message) => {
    const e = parseError(inner);
    expect(e.code).toBe('INVALID_EXPRESSION');
    expect(e.message).toContain(message);
  });
});

describe('parseReference: defaults', () => {
  it.each<[string, unknown]>([
    ['0', 0],
    ['42', 42],
    ['-1.5', -1.5],
    ['2e3', 2000],
    ["'single'", 'single'],
    ['"double"', 'double'],
    ["''", ''],
    ["'it\\'s } here'", "it's } here"],
    ['"line\\nbreak"', 'line\nbreak'],
    ['true', true],
    ['false', false],
    ['null', null],
  ])('?? %s', (literal, value) => {
    expect(parsed(`a.output.x ?? ${literal}`).default).toEqual({ value });
  });

  it.each([
    ['a.output ??', 'invalid default: expected a literal'],
    ['a.output ?? foo', 'invalid default: expected a literal'],
    ['a.output ?? b.output', 'invalid default: expected a literal'],
    ['a.output ?? [1]', 'invalid default: expected a literal'],
    ['a.output ?? {}', 'invalid default: expected a literal'],
    ['a.output ?? 01', 'after the default literal'],
    ['a.output ?? 1 2', 'after the default literal'],
    ['a.output ?? 1 ?? 2', 'after the default literal'],
    ['a.output ?? truex', 'invalid default: expected a literal'],
    ["a.output ?? 'open", 'invalid default: unterminated string'],
    ["a.output ?? '\\q'", 'invalid default: unknown escape'],
    ['a.output ?? 1e999', 'invalid default: number out of range'],
    ['a.output ? 1', 'unexpected "?" in reference'],
  ])('refuses ${%s}', (inner, message) => {
    expect(parseError(inner).message).toContain(message);
  });
});

describe('parseTemplate', () => {
  const ref = (inner: string): TemplatePart => ({ kind: 'ref', ref: parsed(inner) });

  it('splits text and references', () => {
    const r = parseTemplate('Hello ${workflow.input.name}, you are #${loop.index}!');
    expect(r).toEqual({
      ok: true,
      value: [
        { kind: 'text', text: 'Hello ' },
        ref('workflow.input.name'),
        { kind: 'text', text: ', you are #' },
        ref('loop.index'),
        { kind: 'text', text: '!' },
      ],
    });
  });

  it('parses a template once: the same frozen parts again, and an error every time', () => {
    const template = 'Dear ${workflow.input.name}, about ${a.output.topic}';
    const first = parseTemplate(template);
    const again = parseTemplate(template);
    expect(first.ok && again.ok && first.value === again.value).toBe(true);
    expect(first.ok && Object.isFrozen(first.value) && Object.isFrozen(first.value[1])).toBe(true);
    expect(parseTemplate('oops ${unclosed').ok).toBe(false);
    expect(parseTemplate('oops ${unclosed').ok).toBe(false);
  });

  it('keeps the raw text, whitespace and default of each reference', () => {
    const r = parseTemplate("a ${ x.output.y ?? 'none' } b");
    expect(r.ok && r.value[1]).toEqual({
      kind: 'ref',
      ref: {
        raw: "${ x.output.y ?? 'none' }",
        root: 'step',
        stepId: 'x',
        field: 'output',
        path: '$.y',
        default: { value: 'none' },
      },
    });
  });

  it('lets a quoted default hold a closing brace', () => {
    const r = parseTemplate("${a.output ?? '}'}x");
    expect(r.ok && r.value).toEqual([
      { kind: 'ref', ref: expect.objectContaining({ default: { value: '}' } }) },
      { kind: 'text', text: 'x' },
    ]);
  });

  it('returns plain text as one part and the empty string as none', () => {
    expect(parseTemplate('no refs, $ alone, $$ and {braces}')).toEqual({
      ok: true,
      value: [{ kind: 'text', text: 'no refs, $ alone, $$ and {braces}' }],
    });
    expect(parseTemplate('')).toEqual({ ok: true, value: [] });
  });

  it('reads $${ as a literal ${', () => {
    expect(parseTemplate('cost: $${price} and ${a.output}')).toEqual({
      ok: true,
      value: [{ kind: 'text', text: 'cost: ${price} and ' }, ref('a.output')],
    });
    expect(parseTemplate('$${')).toEqual({ ok: true, value: [{ kind: 'text', text: '${' }] });
    expect(parseTemplate('$${a.output}$${')).toEqual({
      ok: true,
      value: [{ kind: 'text', text: '${a.output}${' }],
    });
  });

  it('gives the position of a bad reference within the template', () => {
    const e = templateError('abc ${x.output[?(@.a)]}');
    expect(e.code).toBe('INVALID_EXPRESSION');
    expect(e.message).toBe(
      `invalid reference \${x.output[?(@.a)]}: ${FILTER_DISABLED_MESSAGE} at position 14`,
    );
  });

  it.each([
    ['${', "unterminated reference: missing '}' at position 0"],
    ['text ${a.output.x', "unterminated reference: missing '}' at position 5"],
    ['${${}}', "nested '${' inside a reference at position 2"],
    ['${a.output.${b.output}}', "nested '${' inside a reference at position 11"],
    ["${a.output ?? 'x}", 'unterminated string inside a reference at position 0'],
    ['${}', 'empty reference'],
    ['${ a.output } ${}', 'empty reference at position 16'],
  ])('refuses %j', (s, message) => {
    const e = templateError(s);
    expect(e.code).toBe('INVALID_EXPRESSION');
    expect(e.message).toContain(message);
  });
});

describe('hostile input', () => {
  it('refuses a 100 kB template with references, quickly', () => {
    for (const s of [
      '${'.repeat(50_000),
      '${a.output}' + 'x'.repeat(100_000),
      'x'.repeat(100_000) + '${',
    ] as const) {
      const e = templateError(s);
      expect(e.message).toContain('template longer than 10000 characters');
    }
  });

  it('leaves a 100 kB string without references as text', () => {
    const s = 'x'.repeat(100_000);
    expect(parseTemplate(s)).toEqual({ ok: true, value: [{ kind: 'text', text: s }] });
  });

  it('refuses a reference over 1,000 characters, in a template or alone', () => {
    const long = 'a.output' + '.b'.repeat(500);
    expect(templateError('${' + long + '}').message).toContain(
      'reference longer than 1000 characters at position 0',
    );
    expect(templateError('${a.output ?? "' + 'x'.repeat(2_000) + '"}').message).toContain(
      'reference longer than 1000 characters',
    );
    expect(parseError(long).message).toContain('reference longer than 1000 characters');
    expect(parseError(long).message.length).toBeLessThan(300);
  });

  it('handles backtracking-prone shapes within the limits without throwing', () => {
    const shapes = [
      '${' + 'a.output' + '['.repeat(990) + '}',
      '${a.output' + "['".repeat(495) + '}',
      '${a.output' + '..'.repeat(495) + '}',
      "${a.output ?? '" + '\\'.repeat(990) + "'}",
      '${ ' + ' '.repeat(990) + '}',
      '$'.repeat(9_000) + '{',
      ('${a.output' + '[0]'.repeat(200) + '}').repeat(8),
    ];
    for (const s of shapes) expect(() => parseTemplate(s)).not.toThrow();
    expect(parseTemplate(shapes[6] ?? '').ok).toBe(true);
  });
});
