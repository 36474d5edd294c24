import { eventHeaders, type LogRecord } from '@weft/eventlog';
import { describe, expect, it } from 'vitest';
import { timerChangesOf } from './timer-changes';

const RUN = '00000000-0000-4000-8000-0000000000aa';
const record = (value: string, headers: Record<string, string>, offset: number): LogRecord => ({
  topic: 'wf.events',
  partition: 0,
  offset,
  key: RUN,
  value,
  headers,
  timestamp: '2026-01-01T00:00:00.000Z',
});

describe('timerChangesOf', () => {
  it('skips unread the events whose header names a type not about timers; reads and checks the rest', () => {
    const requested = {
      type: 'TimerRequested',
      run_id: RUN,
      seq: 3,
      recorded_at: '2026-01-01T00:00:00.000Z',
      data: { timer_id: 't1', purpose: 'step_timeout', fire_at: '2026-01-01T00:01:00.000Z' },
    };
    const changes = timerChangesOf(
      [
        record('{', eventHeaders({ run_id: RUN, type: 'StepStarted' }), 0),
        record('{', {}, 1),
        record(JSON.stringify(requested), eventHeaders(requested), 2),
      ],
      'wf.dead-letters',
      '2026-01-01T00:00:00.000Z',
    );
    expect(changes.requested).toMatchObject([{ run_id: RUN, timer_id: 't1', purpose: 'step_timeout' }]);
    // Only the record without a header was read, and parked as not JSON.
    expect(changes.rejected.map((r) => r.headers?.['x-dead-letter-offset'])).toEqual(['1']);
  });
});
