import type { Command, NewEvent, RunEvent } from '@weft/contracts';
import { expect } from 'vitest';
import { decide } from '../decider';
import { replay } from '../evolve';
import type { DecideContext } from '../run-state';

/** An expected event: its type, and any subset of its step_path and data. */
export interface ExpectedEvent {
  readonly type: NewEvent['type'];
  readonly step_path?: string;
  readonly data?: object;
}

/**
 * given(events).when(command).then(events) specifications for the run decider (Emmett's
 * DeciderSpecification). `then` matches each decided event as a subset (toMatchObject), in order
 * and in number; `thenNothingHappened` asserts the command decides to no event.
 */
export function given(events: readonly RunEvent[], ctx: DecideContext = { now: '2026-01-01T00:00:00.000Z' }) {
  return {
    when(command: Command) {
      const state = replay(events);
      const decided = decide(state, command, ctx).events;
      return {
        then(expected: readonly ExpectedEvent[]) {
          expect(decided.map((e) => e.type)).toEqual(expected.map((e) => e.type));
          expect(decided).toMatchObject(expected);
          return decided;
        },
        thenNothingHappened() {
          expect(decided).toEqual([]);
        },
        decided,
      };
    },
  };
}

/** Stamp decided events as the scheduler would, to feed them to the next `given`. */
export function stamp(
  runId: string,
  events: readonly NewEvent[],
  fromSeq = 1,
  at = '2026-01-01T00:00:00.000Z',
): RunEvent[] {
  return events.map((e, i) => ({ ...e, run_id: runId, seq: fromSeq + i, recorded_at: at }) as RunEvent);
}
