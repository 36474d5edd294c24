import { describe, expect, it } from 'vitest';
import {
  collectReferences,
  MAX_MAPPING_DEPTH,
  parseReference,
  resolveMapping,
  type Reference,
  type ReferenceScope,
} from './index';

const scope: ReferenceScope = {
  workflow: { input: { user: { id: 'u1', tags: ['a', 'b'] }, n: 2 } },
  steps: { 'load-cart': { output: { items: [{ sku: 'x', qty: 1 }], total: 9.5 } }, pending: {} },
  loop: { item: { sku: 'x' }, index: 0 },
};

const ref = (inner: string): Reference => {
  const r = parseReference(inner);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('resolveMapping', () => {
  it('resolves strings at any depth in objects and arrays, leaving keys and other leaves alone', () => {
    const mapping = {
      user: '${workflow.input.user}',
      '${not.a.template}': 'key kept',
      greeting: 'hello ${workflow.input.user.id}',
      nested: {
        items: ['${load-cart.output.items[0].sku}', { qty: '${load-cart.output.items[0].qty}' }],
        total: '${load-cart.output.total}',
      },
      literals: [1, true, null, { x: 2.5 }],
      escaped: '$${workflow.input.n}',
    };
    expect(resolveMapping(mapping, scope)).toEqual({
      ok: true,
      value: {
        user: { id: 'u1', tags: ['a', 'b'] },
        '${not.a.template}': 'key kept',
        greeting: 'hello u1',
        nested: { items: ['x', { qty: 1 }], total: 9.5 },
        literals: [1, true, null, { x: 2.5 }],
        escaped: '${workflow.input.n}',
      },
    });
  });

  it('resolves a top-level string, and passes through non-string top-level values', () => {
    expect(resolveMapping('${workflow.input.n}', scope)).toEqual({ ok: true, value: 2 });
    expect(resolveMapping(42, scope)).toEqual({ ok: true, value: 42 });
    expect(resolveMapping(null, scope)).toEqual({ ok: true, value: null });
    expect(resolveMapping(undefined, scope)).toEqual({ ok: true, value: undefined });
  });

  it('does not modify the mapping it is given', () => {
    const mapping = { a: ['${workflow.input.n}'] };
    resolveMapping(mapping, scope);
    expect(mapping).toEqual({ a: ['${workflow.input.n}'] });
  });

  it('fails on the first missing reference, naming it and pointing at its string', () => {
    const r = resolveMapping(
      { ok: '${workflow.input.n}', deep: [{ x: 'total ${pending.output.total}' }] },
      scope,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('REFERENCE_NOT_FOUND');
    expect(r.error.message).toBe(
      "reference ${pending.output.total} not found: step 'pending' has no output yet",
    );
    expect(r.error.details).toEqual([
      { pointer: '/deep/0/x', message: r.error.message, code: 'REFERENCE_NOT_FOUND' },
    ]);
  });

  it('reports a syntax error with its pointer', () => {
    const r = resolveMapping({ 'a/b': { c: '${x.output[?(@.a)]}' } }, scope);
    expect(!r.ok && r.error.code).toBe('INVALID_EXPRESSION');
    expect(!r.ok && r.error.details[0]?.pointer).toBe('/a~1b/c');
  });

  it('keeps a "__proto__" key as a plain own key', () => {
    const mapping: unknown = JSON.parse('{"__proto__": {"polluted": "${workflow.input.n}"}}');
    const r = resolveMapping(mapping, scope);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const out = r.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ polluted: 2 });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('refuses a mapping nested too deep instead of overflowing the stack', () => {
    let deep: unknown = '${workflow.input.n}';
    for (let i = 0; i < MAX_MAPPING_DEPTH + 5; i++) deep = [deep];
    const r = resolveMapping(deep, scope);
    expect(!r.ok && r.error.code).toBe('MAPPING_FAILED');
    let ok: unknown = '${workflow.input.n}';
    for (let i = 0; i < 50; i++) ok = { x: ok };
    expect(resolveMapping(ok, scope).ok).toBe(true);
  });

  it('stops cleanly on a cyclic mapping', () => {
    const cyclic: Record<string, unknown> = { a: '${workflow.input.n}' };
    cyclic['self'] = cyclic;
    expect(resolveMapping(cyclic, scope).ok).toBe(false);
  });
});

describe('collectReferences', () => {
  it('lists every reference with the pointer of its string', () => {
    const mapping = {
      a: '${workflow.input.user.id}',
      b: ['x ${load-cart.output.total} ${loop.index}', 3],
      c: { d: 'no refs' },
    };
    expect(collectReferences(mapping)).toEqual({
      references: [
        { pointer: '/a', ref: ref('workflow.input.user.id') },
        { pointer: '/b/0', ref: ref('load-cart.output.total') },
        { pointer: '/b/0', ref: ref('loop.index') },
      ],
      errors: [],
    });
  });

  it('prefixes the base pointer and reports the first parse error of each bad string', () => {
    const mapping = { good: '${a.output}', bad: '${a.output.__proto__} ${b.output', list: ['${'] };
    const { references, errors } = collectReferences(mapping, '/steps/2/input');
    expect(references).toEqual([{ pointer: '/steps/2/input/good', ref: ref('a.output') }]);
    expect(errors).toHaveLength(2);
    expect(errors[0]?.pointer).toBe('/steps/2/input/bad');
    expect(errors[0]?.message).toContain("path segment '__proto__' is not allowed");
    expect(errors[1]).toEqual({
      pointer: '/steps/2/input/list/0',
      message: "invalid template: unterminated reference: missing '}' at position 0",
    });
  });

  it('collects from a bare string and ignores non-string leaves', () => {
    expect(collectReferences('${now}').references).toEqual([{ pointer: '', ref: ref('now') }]);
    expect(collectReferences(7)).toEqual({ references: [], errors: [] });
  });
});
