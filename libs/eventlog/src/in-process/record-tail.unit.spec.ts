import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../event-log.port';
import { RecordTail } from './record-tail';

const record = (offset: number, value = 'v'): LogRecord => ({
  topic: 't',
  partition: 0,
  offset,
  key: 'k',
  value,
  headers: {},
  timestamp: '2026-01-01T00:00:00.000Z',
});
const offsets = (records: readonly LogRecord[] | undefined) => records?.map((r) => r.offset);

describe('RecordTail', () => {
  it('holds the newest maxRecords records; older offsets are not held', () => {
    const tail = new RecordTail(3, Infinity);
    for (let i = 0; i < 5; i++) tail.push(record(i));
    expect(tail.size).toBe(3);
    expect(tail.read(1, 10)).toBeUndefined();
    expect(offsets(tail.read(2, 10))).toEqual([2, 3, 4]);
    expect(offsets(tail.read(3, 1))).toEqual([3]);
    expect(tail.read(5, 10)).toEqual([]);
  });

  it('lets the oldest go once the keys and values exceed maxChars, but keeps the newest', () => {
    const tail = new RecordTail(1000, 25);
    for (let i = 0; i < 4; i++) tail.push(record(i, 'x'.repeat(9))); // 10 characters each
    expect(offsets(tail.read(2, 10))).toEqual([2, 3]);
    expect(tail.read(1, 10)).toBeUndefined();
    tail.push(record(4, 'x'.repeat(100)));
    expect(offsets(tail.read(4, 10))).toEqual([4]);
    expect(tail.read(3, 10)).toBeUndefined();
  });

  it('starts afresh on a gap, and stays correct across compactions', () => {
    const tail = new RecordTail(10, Infinity);
    tail.push(record(0));
    tail.push(record(5));
    expect(tail.read(0, 10)).toBeUndefined();
    expect(offsets(tail.read(5, 10))).toEqual([5]);
    for (let i = 6; i < 5000; i++) tail.push(record(i));
    expect(tail.size).toBe(10);
    expect(offsets(tail.read(4990, 3))).toEqual([4990, 4991, 4992]);
    expect(tail.read(4989, 3)).toBeUndefined();
  });
});
