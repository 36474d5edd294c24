import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor';

describe('cursor', () => {
  it('round-trips a sort key', () => {
    const key = ['2024-05-01T00:00:01.000Z', '00000000-0000-4000-8000-000000000001'];
    const cursor = encodeCursor(key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, ['timestamp', 'uuid'])).toEqual({ ok: true, value: key });
    expect(decodeCursor(encodeCursor([7, 'a/b[1]']), ['integer', 'string'])).toEqual({
      ok: true,
      value: [7, 'a/b[1]'],
    });
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'ab+/'],
    ['padded / non-canonical', `${encodeCursor(['a'])}=`],
    ['not JSON', Buffer.from('{nope').toString('base64url')],
    ['not an array', Buffer.from('"a"').toString('base64url')],
    ['an object', Buffer.from('{"a":1}').toString('base64url')],
    ['too long', 'a'.repeat(4096)],
  ])('rejects %s', (_, cursor) => {
    const decoded = decodeCursor(cursor, ['string']);
    expect(decoded).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', details: [{ pointer: '/cursor' }] },
    });
  });

  it.each([
    ['wrong arity', ['a', 'b'], ['string']],
    ['integer expected', ['1'], ['integer']],
    ['unsafe integer', [2 ** 60], ['integer']],
    ['uuid expected', ['not-a-uuid'], ['uuid']],
    ['timestamp expected', ['yesterday'], ['timestamp']],
    ['impossible date', ['2024-13-45T00:00:00.000Z'], ['timestamp']],
  ] as const)('rejects a key of the wrong shape: %s', (_, key, kinds) => {
    expect(decodeCursor(encodeCursor(key), kinds)).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED' },
    });
  });
});
