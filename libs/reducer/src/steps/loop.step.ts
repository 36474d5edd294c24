import { resolveTemplate } from '@weft/expressions';
import type { NormalizedLoopStep } from '@weft/workflow';
import { iterationPath } from '../paths';
import type { Decision, Outcome } from '../run-context';
import type { LoopFrame } from '../run-state';
import { scopeFor, type Placement } from '../scope';
import {
  cancelSubtree,
  completeStep,
  definitionAt,
  emitStarted,
  failStep,
  failToStart,
  frameAt,
  registerContainer,
  requestStepTimer,
} from './lifecycle';
import { startStep } from './start-step';

/** Iterations allowed when a loop sets no `max_iterations`. */
export const DEFAULT_MAX_ITERATIONS = 100_000;

/**
 * F3 loops: `loop_over` is resolved once, when the loop starts, and recorded in LoopStarted;
 * iterations run one at a time (sequential) or up to `max_parallelism` at once (parallel), each
 * with `${loop.item}` and `${loop.index}`. Error policies: `stop` cancels the iterations in flight
 * and fails the loop; `continue` records null for a failed iteration; `collect` completes with
 * `{ results, errors }`. The output is the iterations' outputs in index order.
 */
export function startLoop(
  d: Decision,
  step: NormalizedLoopStep,
  path: string,
  placement: Placement,
  input: unknown,
): void {
  const collection = resolveTemplate(step.loop_over, scopeFor(d.state, path, placement));
  if (!collection.ok)
    return failToStart(d, step, path, placement, {
      kind: 'MAPPING_FAILED',
      message: collection.error.message,
    });
  const items = collection.value;
  if (!Array.isArray(items)) {
    return failToStart(d, step, path, placement, {
      kind: 'INVALID_LOOP_COLLECTION',
      message: `loop_over ${step.loop_over} is ${items === null ? 'null' : typeof items}, not an array`,
    });
  }
  const max = step.max_iterations ?? DEFAULT_MAX_ITERATIONS;
  if (items.length > max) {
    return failToStart(d, step, path, placement, {
      kind: 'MAX_ITERATIONS_EXCEEDED',
      message: `loop over ${items.length} items exceeds max_iterations ${max}`,
      details: { loop_collection_size: items.length, max_iterations: max },
    });
  }
  emitStarted(d, step, path, placement, { input });
  d.emit({
    type: 'LoopStarted',
    step_path: path,
    data: {
      step_id: step.id,
      items,
      loop_collection_size: items.length,
      loop_execution_mode: step.execution_mode,
      max_parallelism:
        step.execution_mode === 'sequential' ? 1 : Math.max(1, step.max_parallelism ?? items.length),
    },
  });
  requestStepTimer(d, step, path);
  if (items.length === 0) return completeStep(d, path, output(step, frameAt(d, path, 'loop')!));
  fill(d, step, path);
}

function output(step: NormalizedLoopStep, frame: LoopFrame): unknown {
  if (step.error_policy === 'collect') return { results: frame.results, errors: frame.errors };
  return frame.results;
}

function fill(d: Decision, step: NormalizedLoopStep, path: string): void {
  for (let frame = frameAt(d, path, 'loop'); frame; frame = frameAt(d, path, 'loop')) {
    if (d.state.steps[path]?.status !== 'RUNNING') return;
    if (frame.next >= frame.items.length || frame.active.length >= frame.max_parallelism) return;
    const index = frame.next;
    startStep(
      d,
      step.loop_step,
      iterationPath(path, index, step.loop_step.id),
      { parent: path, iteration: index },
      frame.items[index],
    );
  }
}

registerContainer('loop', {
  childFinished(d: Decision, path: string, childPath: string, outcome: Outcome) {
    const step = definitionAt(d, path, 'loop');
    const index = d.state.steps[childPath]?.iteration;
    const frame = frameAt(d, path, 'loop');
    if (!step || index === undefined || !frame || !frame.active.includes(index)) return;
    d.emit({
      type: 'LoopIterationCompleted',
      step_path: path,
      data: {
        step_id: step.id,
        loop_iteration_index: index,
        ok: outcome.ok,
        ...(outcome.ok ? { output: outcome.output } : { error: outcome.error }),
      },
    });
    if (!outcome.ok && step.error_policy === 'stop') {
      this.cancelChildren(d, path);
      failStep(d, path, {
        kind: outcome.error.kind,
        message: `iteration ${index} failed: ${outcome.error.message}`,
        step_path: path,
        details: { loop_iteration_index: index, error: outcome.error },
      });
      return;
    }
    fill(d, step, path);
    const after = frameAt(d, path, 'loop')!;
    if (after.finished === after.items.length && d.state.steps[path]?.status === 'RUNNING')
      completeStep(d, path, output(step, after));
  },
  cancelChildren(d: Decision, path: string) {
    const step = definitionAt(d, path, 'loop');
    const frame = frameAt(d, path, 'loop');
    if (!step || !frame) return;
    for (const index of [...frame.active])
      cancelSubtree(d, iterationPath(path, index, step.loop_step.id), 'the loop ended');
  },
});
