import { decodeEventOfTypes } from '@weft/contracts';
import { deadLetterRecord, eventTypeOf, type LogRecord, type OutgoingRecord } from '@weft/eventlog';
import type { NewTimer, TimerKey } from '@weft/store';

const TIMER_EVENTS: ReadonlySet<string> = new Set(['TimerRequested', 'TimerCancelled']);

/** What a batch of run events asks of the timers table, plus the records it could not read. */
export interface TimerChanges {
  readonly requested: readonly NewTimer[];
  readonly cancelled: readonly TimerKey[];
  readonly rejected: readonly OutgoingRecord[];
}

/**
 * Read a batch of the events topic: TimerRequested and TimerCancelled are kept (a timer requested
 * twice in the batch once, the first request winning, as in the table), other event types are
 * ignored unchecked, and timer events that are not valid, and records that are not JSON events at
 * all, become dead letters.
 */
export function timerChangesOf(
  records: readonly LogRecord[],
  deadLetterTopic: string,
  createdAt: string,
): TimerChanges {
  const requested = new Map<string, NewTimer>();
  const cancelled: TimerKey[] = [];
  const rejected: OutgoingRecord[] = [];
  for (const record of records) {
    // Most events are not about timers: only timer events get the full schema check (the
    // projection writer checks every event, and parks those it cannot apply).
    const decoded = decodeEventOfTypes(record.value, TIMER_EVENTS, eventTypeOf(record));
    if (decoded === undefined) continue;
    if (!decoded.ok) {
      rejected.push(deadLetterRecord(record, decoded.error.message, deadLetterTopic));
      continue;
    }
    const event = decoded.value;
    if (event.type === 'TimerRequested') {
      const id = JSON.stringify([event.run_id, event.data.timer_id]);
      if (requested.has(id)) continue;
      requested.set(id, {
        run_id: event.run_id,
        timer_id: event.data.timer_id,
        purpose: event.data.purpose,
        fire_at: event.data.fire_at,
        created_at: createdAt,
      });
    } else if (event.type === 'TimerCancelled') {
      cancelled.push({ run_id: event.run_id, timer_id: event.data.timer_id });
    }
  }
  return { requested: [...requested.values()], cancelled, rejected };
}
