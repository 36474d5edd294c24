import { describe, expect, it } from 'vitest';
import { parseRunStatusPayload } from './run-status-channel';

describe('parseRunStatusPayload', () => {
  it('reads the run id, seq and status the trigger sends', () => {
    expect(parseRunStatusPayload('0b5a4f1e-9a0c-4c1e-8f53-2d1f0c9b7a61 42 TIMED_OUT')).toEqual({
      runId: '0b5a4f1e-9a0c-4c1e-8f53-2d1f0c9b7a61',
      lastSeq: 42,
      status: 'TIMED_OUT',
    });
  });

  it("reads migration 0008's payload, without a status", () => {
    expect(parseRunStatusPayload('0b5a4f1e-9a0c-4c1e-8f53-2d1f0c9b7a61 42')).toEqual({
      runId: '0b5a4f1e-9a0c-4c1e-8f53-2d1f0c9b7a61',
      lastSeq: 42,
    });
  });

  it.each([
    undefined,
    '',
    '0b5a4f1e-9a0c-4c1e-8f53-2d1f0c9b7a61',
    '0b5a4f1e-9a0c-4c1e-8f53-2d1f0c9b7a61 ',
    '0b5a4f1e-9a0c-4c1e-8f53-2d1f0c9b7a61 -1',
    '0b5a4f1e-9a0c-4c1e-8f53-2d1f0c9b7a61 4x',
    '0b5a4f1e-9a0c-4c1e-8f53-2d1f0c9b7a61  4',
    'not-a-run 4',
    '0b5a4f1e-9a0c-4c1e-8f53-2d1f0c9b7a61 12345678901',
    '0b5a4f1e-9a0c-4c1e-8f53-2d1f0c9b7a61 4 ',
    '0b5a4f1e-9a0c-4c1e-8f53-2d1f0c9b7a61 4 running',
    '0b5a4f1e-9a0c-4c1e-8f53-2d1f0c9b7a61 4 RUNNING extra',
    `0b5a4f1e-9a0c-4c1e-8f53-2d1f0c9b7a61 4 ${'X'.repeat(33)}`,
  ])('ignores %j', (payload) => {
    expect(parseRunStatusPayload(payload)).toBeUndefined();
  });
});
