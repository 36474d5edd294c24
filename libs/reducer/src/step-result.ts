import type { ReportStepResult } from '@weft/contracts';
import type { Decision } from './run-context';
import { isTerminalRun } from './run-status.machine';
import { failAttempt } from './retry';
import { completeStep } from './steps/lifecycle';

/**
 * The result of one attempt of an agent step. A result for a step that is not running that attempt
 * (a duplicate report, a late one after a cancellation or after the run ended) decides to nothing:
 * executors are at-least-once.
 */
export function decideStepResult(d: Decision, cmd: ReportStepResult): void {
  const state = d.maybeState;
  if (!state || isTerminalRun(state.status) || !state.definition) return;
  const step = state.steps[cmd.step_path];
  if (!step || step.step_type !== 'agent' || step.status !== 'RUNNING' || step.attempt !== cmd.attempt)
    return;
  if (cmd.outcome.ok) return completeStep(d, cmd.step_path, cmd.outcome.output);
  failAttempt(
    d,
    cmd.step_path,
    cmd.attempt,
    { ...cmd.outcome.error, step_path: cmd.step_path },
    cmd.duration_ms,
  );
}
