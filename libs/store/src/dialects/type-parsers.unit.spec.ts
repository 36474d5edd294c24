import { describe, expect, it } from 'vitest';
import { parseInt8Text, parseTimestampText } from './type-parsers';

describe('parseTimestampText', () => {
  it.each([
    ['2024-01-02 03:04:05+00', '2024-01-02T03:04:05.000Z'],
    ['2024-01-02 03:04:05.123+00', '2024-01-02T03:04:05.123Z'],
    ['2024-01-02 03:04:05.1+00', '2024-01-02T03:04:05.100Z'],
    ['2024-01-02 03:04:05.123999+00', '2024-01-02T03:04:05.123Z'],
    ['2024-01-02 03:04:05.5+05:30', '2024-01-01T21:34:05.500Z'],
    ['2024-01-02 03:04:05-08', '2024-01-02T11:04:05.000Z'],
    ['1890-01-01 00:00:00+00:53:28', '1889-12-31T23:06:32.000Z'],
    ['0050-06-01 00:00:00+00', '0050-06-01T00:00:00.000Z'],
    ['0044-03-15 00:00:00+00 BC', '-000043-03-15T00:00:00.000Z'],
    ['12345-01-01 00:00:00+00', '+012345-01-01T00:00:00.000Z'],
    ['2024-01-02 03:04:05.25', '2024-01-02T03:04:05.250Z'],
  ])('%s -> %s', (text, iso) => {
    expect(parseTimestampText(text)).toBe(iso);
  });

  it('keeps non-finite values as Postgres spells them', () => {
    expect(parseTimestampText('infinity')).toBe('infinity');
    expect(parseTimestampText('-infinity')).toBe('-infinity');
  });
});

describe('parseInt8Text', () => {
  it('returns numbers when exact and the decimal string otherwise', () => {
    expect(parseInt8Text('0')).toBe(0);
    expect(parseInt8Text('-42')).toBe(-42);
    expect(parseInt8Text('9007199254740991')).toBe(9007199254740991);
    expect(parseInt8Text('9007199254740993')).toBe('9007199254740993');
  });
});
