import type { ErrorInfo } from '@weft/contracts';
import type { NormalizedForkJoinStep } from '@weft/workflow';
import { nextInSequence, stepById } from '../definition-index';
import { branchStepPath, timerId } from '../paths';
import type { Decision, Outcome } from '../run-context';
import type { Placement } from '../scope';
import { addSeconds } from '../time';
import {
  cancelSubtree,
  completeStep,
  definitionAt,
  emitStarted,
  failStep,
  frameAt,
  registerContainer,
  requestStepTimer,
} from './lifecycle';
import { startStep } from './start-step';

/**
 * F4 fork-join: named branches of several steps run side by side, each with an optional timeout.
 * As soon as the join policy is met (ALL, ANY, MAJORITY, N_OF_M) or can no longer be met, the
 * branches still running are cancelled (their late results are ignored) and the step completes,
 * with the outputs of the branches that completed keyed by branch name, or fails.
 */
export function startForkJoin(
  d: Decision,
  step: NormalizedForkJoinStep,
  path: string,
  placement: Placement,
  input: unknown,
): void {
  emitStarted(d, step, path, placement, {
    input,
    join_policy: step.join_policy,
    branch_names: step.branches.map((b) => b.name),
  });
  requestStepTimer(d, step, path);
  for (const branch of step.branches) {
    if (branch.timeout_seconds !== undefined) {
      d.emit({
        type: 'TimerRequested',
        step_path: path,
        data: {
          timer_id: timerId(`${path}/${branch.name}`, 'branch_timeout'),
          purpose: 'branch_timeout',
          fire_at: addSeconds(d.ctx.now, branch.timeout_seconds),
        },
      });
    }
  }
  for (const branch of step.branches) {
    const first = branch.steps[0];
    if (
      first &&
      d.state.steps[path]?.status === 'RUNNING' &&
      frameAt(d, path, 'fork_join')?.branches[branch.name]?.status === 'RUNNING'
    ) {
      startStep(
        d,
        first,
        branchStepPath(path, branch.name, first.id),
        { parent: path, branch: branch.name },
        input,
      );
    }
  }
}

export function requiredBranches(step: NormalizedForkJoinStep): number {
  const n = step.branches.length;
  switch (step.join_policy) {
    case 'ALL':
      return n;
    case 'ANY':
      return 1;
    case 'MAJORITY':
      return Math.floor(n / 2) + 1;
    case 'N_OF_M':
      return Math.min(n, step.n_required ?? n);
  }
}

/** End a branch (completed, failed, timed out) and resolve the join if the policy is now decided. */
export function endBranch(
  d: Decision,
  path: string,
  name: string,
  status: 'COMPLETED' | 'FAILED' | 'TIMED_OUT',
  result: { output?: unknown; error?: ErrorInfo },
): void {
  const step = definitionAt(d, path, 'fork_join');
  const frame = frameAt(d, path, 'fork_join');
  if (!step || !frame || frame.resolved || frame.branches[name]?.status !== 'RUNNING') return;
  d.emit({
    type: 'BranchCompleted',
    step_path: path,
    data: { step_id: step.id, branch_name: name, status, ...result },
  });
  resolveJoin(d, step, path);
}

function resolveJoin(d: Decision, step: NormalizedForkJoinStep, path: string): void {
  const frame = frameAt(d, path, 'fork_join')!;
  const names = step.branches.map((b) => b.name);
  const succeeded = names.filter((n) => frame.branches[n]?.status === 'COMPLETED');
  const failed = names.filter((n) =>
    ['FAILED', 'TIMED_OUT', 'CANCELLED'].includes(frame.branches[n]?.status ?? ''),
  );
  const required = requiredBranches(step);
  const satisfied = succeeded.length >= required;
  if (!satisfied && succeeded.length + frame.running >= required) return;
  d.emit({
    type: 'JoinResolved',
    step_path: path,
    data: {
      step_id: step.id,
      join_policy: step.join_policy,
      satisfied,
      n_required: required,
      succeeded,
      failed,
    },
  });
  for (const name of names) {
    const branch = frame.branches[name];
    if (branch?.status !== 'RUNNING') continue;
    if (branch.current) cancelSubtree(d, branch.current, 'the join was resolved');
    d.emit({
      type: 'BranchCompleted',
      step_path: path,
      data: { step_id: step.id, branch_name: name, status: 'CANCELLED' },
    });
  }
  if (satisfied) {
    completeStep(d, path, Object.fromEntries(succeeded.map((n) => [n, frame.branches[n]?.output ?? null])));
    return;
  }
  const errors = Object.fromEntries(
    failed.map((n) => [n, frame.branches[n]?.error ?? { kind: 'CANCELLED', message: 'cancelled' }]),
  );
  failStep(d, path, {
    kind: 'JOIN_FAILED',
    message: `join policy ${step.join_policy} needs ${required} of ${names.length} branches; ${succeeded.length} completed (failed: ${failed.join(', ') || 'none'})`,
    details: { branches: errors },
  });
}

registerContainer('fork_join', {
  childFinished(d: Decision, path: string, childPath: string, outcome: Outcome) {
    const child = d.state.steps[childPath];
    const name = child?.branch;
    const frame = frameAt(d, path, 'fork_join');
    if (!child || name === undefined || !frame || frame.branches[name]?.current !== childPath) return;
    if (!outcome.ok) return endBranch(d, path, name, 'FAILED', { error: outcome.error });
    const entry = stepById(d.def, child.step_id);
    if (entry?.owner.kind !== 'branch') return;
    const next = nextInSequence(entry.owner.list, entry.owner.position, d.def, outcome.jumpTo);
    const handOn = outcome.passOn ? outcome.passOn.value : outcome.output;
    if (!next) return endBranch(d, path, name, 'COMPLETED', { output: handOn });
    startStep(d, next, branchStepPath(path, name, next.id), { parent: path, branch: name }, handOn);
  },
  cancelChildren(d: Decision, path: string) {
    const frame = frameAt(d, path, 'fork_join');
    for (const branch of Object.values(frame?.branches ?? {})) {
      if (branch.status === 'RUNNING' && branch.current)
        cancelSubtree(d, branch.current, 'the fork-join ended');
    }
  },
});
