import type { Command, RunEvent } from '@weft/contracts';
import { Decision } from './run-context';
import type { DecideContext, RunState } from './run-state';
import { decideStartRun } from './start-run';
import { decideRedrive } from './redrive';
import { decideStepResult } from './step-result';
import { decideTimer } from './timers';
import './steps/sequence';
import './steps/parallel.step';
import './steps/loop.step';
import './steps/fork-join.step';

export interface Decided {
  /** The run's state after the events (the same object as the state given, evolved in place). */
  readonly state: RunState | undefined;
  /** The new events, stamped with run_id, seq and recorded_at (ctx.now). */
  readonly events: RunEvent[];
}

/**
 * decide(state, command, ctx) → events: deterministic (no clock, no randomness, no I/O). Each event
 * is evolved into the state as it is decided, so the state given is updated in place and returned
 * with the events; replaying the events through `evolve` gives the same state. A caller that must
 * keep the old state (a failed transaction) restores it from its own copy.
 */
export function decide(state: RunState | undefined, command: Command, ctx: DecideContext): Decided {
  const d = new Decision(state, command.run_id, ctx);
  switch (command.type) {
    case 'StartRun':
      decideStartRun(d, command);
      break;
    case 'ReportStepResult':
      decideStepResult(d, command);
      break;
    case 'FireTimer':
      decideTimer(d, command);
      break;
    case 'RedriveStep':
      decideRedrive(d, command);
      break;
  }
  d.drain();
  return { state: d.maybeState, events: d.events };
}
