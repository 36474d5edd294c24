import { describe, expect, it } from 'vitest';
import { toJsonRpcParams } from './agent-bridge';

describe('toJsonRpcParams', () => {
  it('passes objects and arrays, wraps scalars and null, sends {} for no input', () => {
    expect(toJsonRpcParams({ a: 1 })).toEqual({ a: 1 });
    expect(toJsonRpcParams([1, 2])).toEqual([1, 2]);
    expect(toJsonRpcParams(5)).toEqual({ input: 5 });
    expect(toJsonRpcParams('x')).toEqual({ input: 'x' });
    expect(toJsonRpcParams(null)).toEqual({ input: null });
    expect(toJsonRpcParams(undefined)).toEqual({});
  });
});
