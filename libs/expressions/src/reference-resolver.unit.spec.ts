import { describe, expect, it } from 'vitest';
import {
  parseReference,
  resolveReference,
  resolveTemplate,
  type Reference,
  type ReferenceScope,
} from './index';

const order = {
  id: 'o-1',
  lines: [
    { sku: 'a', qty: 2, tags: ['new'] },
    { sku: 'b', qty: 1 },
    { sku: 'c', qty: 5 },
  ],
  'ship to': { city: 'Oslo' },
};

const scope: ReferenceScope = {
  workflow: {
    input: {
      order,
      count: 3,
      flag: false,
      nothing: null,
      text: 'hi',
      empty: [],
    },
  },
  steps: {
    'fetch-user': { output: { name: 'Ada', roles: ['admin', 'dev'] } },
    validate: { output: { valid: true } },
    pending: {},
    zero: { output: 0 },
    nul: { output: null },
  },
  loop: { item: { sku: 'a' }, index: 2 },
  branch: { name: 'left' },
  event: { type: 'approved', payload: { by: 'bob' } },
  run: { id: 'run-1', status: 'running', output: { total: 10 } },
  state: { name: 'waiting' },
  schedule: { fire_time: '2025-01-01T00:00:00Z' },
  now: '2025-01-01T00:00:01Z',
};

const value = (s: string, sc: ReferenceScope = scope): unknown => {
  const r = resolveTemplate(s, sc);
  if (!r.ok) throw new Error(`expected ${s} to resolve: ${r.error.message}`);
  return r.value;
};

const failure = (s: string, sc: ReferenceScope = scope): { code: string; message: string } => {
  const r = resolveTemplate(s, sc);
  if (r.ok) throw new Error(`expected ${s} to fail, got ${JSON.stringify(r.value)}`);
  return { code: r.error.code, message: r.error.message };
};

describe('a string that is exactly one reference keeps the type', () => {
  it.each<[string, unknown]>([
    ["${workflow.input.order['ship to']}", { city: 'Oslo' }],
    ['${workflow.input.order}', order],
    ['${fetch-user.output.roles}', ['admin', 'dev']],
    ['${workflow.input.count}', 3],
    ['${workflow.input.flag}', false],
    ['${workflow.input.nothing}', null],
    ['${workflow.input.text}', 'hi'],
    ['${workflow.input.empty}', []],
    ['${zero.output}', 0],
    ['${nul.output}', null],
    ['${loop.index}', 2],
  ])('%s', (s, expected) => {
    expect(value(s)).toEqual(expected);
  });

  it('returns the referenced object itself, not a copy', () => {
    const input = { deep: { x: 1 } };
    expect(value('${workflow.input.deep}', { workflow: { input: input } })).toBe(input.deep);
  });
});

describe('interpolation', () => {
  it.each<[string, string]>([
    ['name=${fetch-user.output.name}', 'name=Ada'],
    ['n=${workflow.input.count}', 'n=3'],
    ['b=${workflow.input.flag}/${validate.output.valid}', 'b=false/true'],
    ['null=${workflow.input.nothing}', 'null=null'],
    ["o=${workflow.input.order['ship to']}", 'o={"city":"Oslo"}'],
    ['o=${workflow.input.order.lines[1]}', 'o={"sku":"b","qty":1}'],
    ['a=${fetch-user.output.roles}', 'a=["admin","dev"]'],
    ['e=${workflow.input.empty}', 'e=[]'],
    [' ${workflow.input.count}', ' 3'],
    ['${workflow.input.count}${workflow.input.count}', '33'],
    ['#${loop.index} of ${run.id} at ${now}', '#2 of run-1 at 2025-01-01T00:00:01Z'],
    ['cost $${price}: ${workflow.input.count}', 'cost ${price}: 3'],
    ['plain text', 'plain text'],
    ['', ''],
  ])('%s', (s, expected) => {
    expect(value(s)).toBe(expected);
  });
});

describe('JSONPath', () => {
  it.each<[string, unknown]>([
    ["${workflow.input.order['ship to'].city}", 'Oslo'],
    ['${workflow.input.order["ship to"]["city"]}', 'Oslo'],
    ['${workflow.input.order.lines[0].sku}', 'a'],
    ['${workflow.input.order.lines.1.sku}', 'b'],
    ['${workflow.input.order.lines[-1].sku}', 'c'],
    ['${workflow.input.order.lines[-3].sku}', 'a'],
    ['${workflow.input.order.lines[0].tags[-1]}', 'new'],
    ['${workflow.input.order.lines[*].sku}', ['a', 'b', 'c']],
    ['${workflow.input.order.lines.*.qty}', [2, 1, 5]],
    ['${workflow.input.order..sku}', ['a', 'b', 'c']],
    ['${workflow.input..city}', ['Oslo']],
    ['${workflow.input.order.lines[1:].sku}', ['b', 'c']],
    ['${workflow.input.order.lines[:-1].sku}', ['a', 'b']],
    ['${workflow.input.order.lines[::2].sku}', ['a', 'c']],
    ['${workflow.input.order.lines[-2:].qty}', [1, 5]],
    ['${fetch-user.output.roles[*]}', ['admin', 'dev']],
  ])('%s', (s, expected) => {
    expect(value(s)).toEqual(expected);
  });

  it('yields an array for a wildcard even with one match, and not-found with none', () => {
    expect(value('${workflow.input..city}')).toEqual(['Oslo']);
    expect(failure('${workflow.input.empty[*]}')).toEqual({
      code: 'REFERENCE_NOT_FOUND',
      message: 'reference ${workflow.input.empty[*]} not found: nothing at $.empty.*',
    });
    expect(value('${workflow.input.empty[*] ?? null}')).toBeNull();
  });

  it.each([
    '${workflow.input.order.lines[3]}',
    '${workflow.input.order.lines[-4]}',
    '${workflow.input.text.x}',
    '${workflow.input.count[0]}',
    '${workflow.input.order.lines[5:]}',
    '${zero.output.x}',
  ])('finds nothing at %s', (s) => {
    expect(failure(s).code).toBe('REFERENCE_NOT_FOUND');
  });

  it('never reaches inherited properties', () => {
    const steps = { a: { output: {} } };
    for (const name of ['toString', 'hasOwnProperty', 'valueOf']) {
      expect(failure(`\${a.output.${name}}`, { steps }).code).toBe('REFERENCE_NOT_FOUND');
      expect(failure(`\${${name}.output}`, { steps }).code).toBe('REFERENCE_NOT_FOUND');
    }
  });

  it('addresses every name a bracket accepts literally, and nothing else', () => {
    const chars = [...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)), 'é', '✓', '日'];
    const names = [
      ...chars,
      ...chars.map((c) => `a${c}b`),
      ...chars.map((c) => `${c}${c}`),
      'a..b',
      '...',
      '%@%',
      '@string()',
      '1:',
      ':',
    ];
    let accepted = 0;
    for (const name of names) {
      const parsed = parseReference(`x.output['${name}']`);
      if (!parsed.ok) continue;
      accepted++;
      const others: Record<string, unknown> = { a: 1, b: 2, ab: 3, '': 4, 0: 5, '*': 6, '..': 7 };
      const hit = resolveReference(parsed.value, { steps: { x: { output: { ...others, [name]: 'hit' } } } });
      expect(hit, JSON.stringify(name)).toEqual({ ok: true, value: 'hit' });
      const withoutName = Object.fromEntries(Object.entries(others).filter(([k]) => k !== name));
      const miss = resolveReference(parsed.value, {
        steps: { x: { output: { ...withoutName, other: { [name]: 'deep' } } } },
      });
      expect(miss.ok, JSON.stringify(name)).toBe(false);
    }
    expect(accepted).toBeGreaterThan(200);
  });
});

describe('every root', () => {
  it.each<[string, unknown]>([
    ['${workflow.input.count}', 3],
    ['${validate.output.valid}', true],
    ['${loop.item}', { sku: 'a' }],
    ['${loop.item.sku}', 'a'],
    ['${loop.index}', 2],
    ['${branch.name}', 'left'],
    ['${event}', { type: 'approved', payload: { by: 'bob' } }],
    ['${event.payload.by}', 'bob'],
    ['${run.id}', 'run-1'],
    ['${run.status}', 'running'],
    ['${run.output}', { total: 10 }],
    ['${run.output.total}', 10],
    ['${state.name}', 'waiting'],
    ['${schedule.fire_time}', '2025-01-01T00:00:00Z'],
    ['${now}', '2025-01-01T00:00:01Z'],
  ])('%s', (s, expected) => {
    expect(value(s)).toEqual(expected);
  });

  it.each([
    ['${workflow.input}', 'no workflow input in scope'],
    ['${validate.output}', "step 'validate' has no output yet"],
    ['${loop.item}', 'not inside a loop'],
    ['${loop.index}', 'not inside a loop'],
    ['${branch.name}', 'not inside a branch'],
    ['${event.type}', 'no event in scope'],
    ['${run.id}', 'no run in scope'],
    ['${state.name}', 'no state in scope'],
    ['${schedule.fire_time}', 'no schedule in scope'],
    ['${now}', 'value is absent'],
  ])('%s is not found in an empty scope', (s, reason) => {
    expect(failure(s, {})).toEqual({
      code: 'REFERENCE_NOT_FOUND',
      message: `reference ${s} not found: ${reason}`,
    });
  });

  it('treats a run without status or output as not found', () => {
    expect(failure('${run.status}', { run: { id: 'r' } }).code).toBe('REFERENCE_NOT_FOUND');
    expect(failure('${run.output.total}', { run: { id: 'r' } }).code).toBe('REFERENCE_NOT_FOUND');
  });
});

describe('missing references', () => {
  it('names the reference', () => {
    expect(failure('${validate.output.nope}')).toEqual({
      code: 'REFERENCE_NOT_FOUND',
      message: 'reference ${validate.output.nope} not found: nothing at $.nope',
    });
    expect(failure('a ${validate.output.valid} b ${validate.output.missing[0]} c').message).toMatch(
      /^reference \$\{validate\.output\.missing\[0\]\} not found/,
    );
  });

  it('fails on a step without output, an unknown step, and an output set to undefined', () => {
    expect(failure('${pending.output.x}')).toEqual({
      code: 'REFERENCE_NOT_FOUND',
      message: "reference ${pending.output.x} not found: step 'pending' has no output yet",
    });
    expect(failure('${ghost.output}').message).toBe(
      "reference ${ghost.output} not found: step 'ghost' has no output yet",
    );
    expect(failure('${a.output}', { steps: { a: { output: undefined } } }).code).toBe('REFERENCE_NOT_FOUND');
    expect(failure('${a.output}', { steps: { a: undefined } }).code).toBe('REFERENCE_NOT_FOUND');
  });

  it('reads steps through a lookup-only proxy', () => {
    const outputs: Record<string, unknown> = { a: { v: 1 } };
    const steps = new Proxy({} as Record<string, { output?: unknown }>, {
      get: (_t, id) =>
        typeof id === 'string' && Object.hasOwn(outputs, id) ? { output: outputs[id] } : undefined,
    });
    expect(value('${a.output.v}', { steps })).toBe(1);
    expect(failure('${b.output}', { steps }).code).toBe('REFERENCE_NOT_FOUND');
  });
});

describe('?? defaults', () => {
  it.each<[string, unknown]>([
    ['${validate.output.nope ?? 7}', 7],
    ['${validate.output.nope ?? -0.5}', -0.5],
    ["${validate.output.nope ?? 'single'}", 'single'],
    ['${validate.output.nope ?? "double"}', 'double'],
    ['${validate.output.nope ?? true}', true],
    ['${validate.output.nope ?? false}', false],
    ['${validate.output.nope ?? null}', null],
    ["${pending.output ?? 'waiting'}", 'waiting'],
    ['${loop.index ?? 0}', 2],
    ['${workflow.input.nothing ?? 1}', null],
    ['${workflow.input.flag ?? true}', false],
    ["x=${validate.output.nope ?? 'dflt'}", 'x=dflt'],
    ['x=${validate.output.nope ?? null}', 'x=null'],
  ])('%s', (s, expected) => {
    expect(value(s)).toEqual(expected);
  });

  it('applies when the scope part is absent', () => {
    expect(value('${loop.index ?? 0}', {})).toBe(0);
    expect(value('${event.kind ?? "none"}', {})).toBe('none');
  });
});

describe('syntax errors when resolving', () => {
  it.each([
    '${x.output[?(@.a)]}',
    '${a.output.__proto__}',
    '${a.output.constructor.name}',
    '${',
    '${${}}',
    '${a.output ?? nope}',
    '${'.repeat(50_000),
  ])('%s is INVALID_EXPRESSION', (s) => {
    expect(failure(s).code).toBe('INVALID_EXPRESSION');
  });

  it('refuses a hand-built reference with a bad path or root', () => {
    const bad: Reference = {
      raw: '${a.output}',
      root: 'step',
      stepId: 'a',
      field: 'output',
      path: "$['__proto__']",
    };
    const r = resolveReference(bad, { steps: { a: { output: {} } } });
    expect(!r.ok && r.error.code).toBe('INVALID_EXPRESSION');
    const wrongField: Reference = { raw: '${loop.name}', root: 'loop', field: 'name', path: '$' };
    const r2 = resolveReference(wrongField, scope);
    expect(!r2.ok && r2.error.message).toBe('invalid reference ${loop.name}: unknown root or field');
  });
});
