import type { FireTimer } from '@weft/contracts';
import { deadLetter } from './dead-letter';
import { stepById } from './definition-index';
import { decideRetryTimer } from './retry';
import { RUN_TIMER_ID } from './paths';
import type { Decision } from './run-context';
import { isTerminalRun, isTerminalStep } from './run-status.machine';
import { endBranch } from './steps/fork-join.step';
import { cancelChildren, cancelSubtree, notifyParent } from './steps/lifecycle';

/** `<path>#<attempt>#<purpose>` → its parts. */
function parseTimerId(id: string): { path: string; attempt: number; purpose: string } | undefined {
  const last = id.lastIndexOf('#');
  const middle = id.lastIndexOf('#', last - 1);
  if (middle <= 0) return undefined;
  const attempt = Number(id.slice(middle + 1, last));
  return Number.isInteger(attempt)
    ? { path: id.slice(0, middle), attempt, purpose: id.slice(last + 1) }
    : undefined;
}

/**
 * A durable timer fired. What it guards decides: a run still running times out; a step or branch
 * still running at that attempt times out; anything else is a stale timer and decides to nothing.
 */
export function decideTimer(d: Decision, cmd: FireTimer): void {
  const state = d.maybeState;
  if (!state || isTerminalRun(state.status) || !state.definition) return;
  if (cmd.timer_id === RUN_TIMER_ID) {
    for (const [path, step] of Object.entries(state.steps)) {
      if (step.parent === undefined && !isTerminalStep(step.status))
        cancelSubtree(d, path, 'the run timed out');
    }
    const seconds = state.definition.timeout_seconds ?? 0;
    d.emit({
      type: 'RunTimedOut',
      data: {
        error: { kind: 'timeout', message: `run exceeded its timeout of ${seconds}s` },
        ...(state.correlation_id !== undefined ? { correlation_id: state.correlation_id } : {}),
      },
    });
    return;
  }
  const timer = parseTimerId(cmd.timer_id);
  if (!timer) return;
  if (timer.purpose === 'branch_timeout') {
    const slash = timer.path.lastIndexOf('/');
    const forkPath = timer.path.slice(0, slash);
    const branch = timer.path.slice(slash + 1);
    const frame = state.steps[forkPath]?.frame;
    if (frame?.kind !== 'fork_join' || frame.resolved || frame.branches[branch]?.status !== 'RUNNING') return;
    const current = frame.branches[branch]?.current;
    if (current) cancelSubtree(d, current, 'the branch timed out');
    endBranch(d, forkPath, branch, 'TIMED_OUT', {
      error: { kind: 'timeout', message: `branch ${branch} timed out` },
    });
    return;
  }
  if (timer.purpose === 'retry') return decideRetryTimer(d, cmd, timer.path, timer.attempt);
  if (timer.purpose === 'step_timeout') {
    const step = state.steps[timer.path];
    if (!step || step.status !== 'RUNNING' || step.attempt !== timer.attempt) return;
    cancelChildren(d, timer.path);
    const error = { kind: 'timeout', message: `step ${step.step_id} timed out`, step_path: timer.path };
    const seconds = stepById(state.definition, step.step_id)?.step.timeout_seconds ?? 0;
    d.emit({
      type: 'StepTimedOut',
      step_path: timer.path,
      data: { step_id: step.step_id, timeout_seconds: seconds, error },
    });
    deadLetter(d, timer.path, error, step.attempt - (step.attempt_base ?? 0));
    notifyParent(d, timer.path, { ok: false, error });
  }
}
