import { describe, expect, it } from 'vitest';
import { toJsonText, toNullableJsonText, toOptionalJsonText } from './json';

describe('JSON column values', () => {
  it('serialises any JSON value, top-level strings and arrays included', () => {
    expect(toJsonText({ a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
    expect(toJsonText([1, 2])).toBe('[1,2]');
    expect(toJsonText('hi')).toBe('"hi"');
    expect(toJsonText(null)).toBe('null');
  });

  it('keeps SQL NULL and "leave alone" apart for nullable columns', () => {
    expect(toNullableJsonText(null)).toBeNull();
    expect(toNullableJsonText(undefined)).toBeUndefined();
    expect(toOptionalJsonText(undefined)).toBeUndefined();
    expect(toNullableJsonText(0)).toBe('0');
  });

  it('treats values JSON cannot hold as bugs', () => {
    expect(() => toJsonText((() => 1) as unknown as object)).toThrow(/not JSON-serialisable/);
    expect(() => toJsonText({ n: 1n })).toThrow(/not JSON-serialisable/);
  });
});
