import type { NormalizedParallelStep } from '@weft/workflow';
import { childPath } from '../paths';
import type { Decision, Outcome } from '../run-context';
import type { Placement } from '../scope';
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
 * F1 parallel: children start together up to `max_parallelism`, more as slots free; the output is
 * keyed by child id. `fail_fast` (default) cancels the running children at the first failure and
 * fails the block; otherwise every child finishes first and the block fails with the first error.
 */
export function startParallel(
  d: Decision,
  step: NormalizedParallelStep,
  path: string,
  placement: Placement,
  input: unknown,
): void {
  emitStarted(d, step, path, placement, { input });
  requestStepTimer(d, step, path);
  fill(d, step, path);
  settle(d, step, path);
}

function fill(d: Decision, step: NormalizedParallelStep, path: string): void {
  const limit = step.max_parallelism ?? Number.POSITIVE_INFINITY;
  for (let frame = frameAt(d, path, 'parallel'); frame; frame = frameAt(d, path, 'parallel')) {
    if (d.state.steps[path]?.status !== 'RUNNING') return;
    if (frame.next >= step.parallel_steps.length || frame.running >= limit) return;
    if (frame.failure && step.fail_fast) return;
    const child = step.parallel_steps[frame.next]!;
    startStep(d, child, childPath(path, child.id), { parent: path }, d.state.steps[path]?.input);
  }
}

/** Complete or fail the block once every child has finished. */
function settle(d: Decision, step: NormalizedParallelStep, path: string): void {
  const frame = frameAt(d, path, 'parallel');
  if (!frame || d.state.steps[path]?.status !== 'RUNNING' || frame.finished < step.parallel_steps.length)
    return;
  if (frame.failure)
    failStep(d, path, {
      ...frame.failure,
      step_path: path,
      details: { failed_child: frame.failure.step_path },
    });
  else completeStep(d, path, { ...frame.outputs });
}

registerContainer('parallel', {
  childFinished(d: Decision, path: string, _child: string, outcome: Outcome) {
    const step = definitionAt(d, path, 'parallel');
    if (!step) return;
    if (!outcome.ok && step.fail_fast) {
      this.cancelChildren(d, path);
      failStep(d, path, {
        ...outcome.error,
        step_path: path,
        details: { failed_child: outcome.error.step_path },
      });
      return;
    }
    fill(d, step, path);
    settle(d, step, path);
  },
  cancelChildren(d: Decision, path: string) {
    const step = definitionAt(d, path, 'parallel');
    for (const child of step?.parallel_steps ?? [])
      cancelSubtree(d, childPath(path, child.id), 'a sibling failed or the block ended');
  },
});
