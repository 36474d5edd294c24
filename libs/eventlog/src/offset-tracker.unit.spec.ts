import { describe, expect, it } from 'vitest';
import { OffsetTracker } from './offset-tracker';

describe('OffsetTracker', () => {
  it('commits up to the record before the oldest still in flight', () => {
    const t = new OffsetTracker();
    [10, 11, 12, 13].forEach((o) => t.begin(o));
    expect(t.end(12)).toBeUndefined();
    expect(t.end(10)).toBe(10);
    expect(t.end(11)).toBe(12);
    expect(t.size).toBe(1);
    expect(t.end(13)).toBe(13);
    expect(t.end(13)).toBeUndefined();
  });

  it('refuses offsets out of order and survives long runs', () => {
    const t = new OffsetTracker();
    t.begin(5);
    expect(() => t.begin(5)).toThrow();
    for (let o = 6; o < 5000; o++) t.begin(o);
    let last: number | undefined;
    for (let o = 5; o < 5000; o++) last = t.end(o) ?? last;
    expect(last).toBe(4999);
    expect(t.size).toBe(0);
  });
});
