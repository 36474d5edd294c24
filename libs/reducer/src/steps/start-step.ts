import type { NormalizedStep } from '@weft/workflow';
import type { Decision } from '../run-context';
import type { Placement } from '../scope';
import { startAgent } from './agent.step';
import { runConditional } from './conditional.step';
import { startForkJoin } from './fork-join.step';
import { failToStart } from './lifecycle';
import { startLoop } from './loop.step';
import { startParallel } from './parallel.step';

/** Start one execution of a step at `path`; `input` is what its sequence hands it. */
export function startStep(
  d: Decision,
  step: NormalizedStep,
  path: string,
  placement: Placement,
  input: unknown,
): void {
  if (d.state.status !== 'RUNNING') return;
  switch (step.type) {
    case 'agent':
      return startAgent(d, step, path, placement, input);
    case 'conditional':
      return runConditional(d, step, path, placement, input);
    case 'parallel':
      return startParallel(d, step, path, placement, input);
    case 'loop':
      return startLoop(d, step, path, placement, input);
    case 'fork_join':
      return startForkJoin(d, step, path, placement, input);
    default:
      return failToStart(d, step, path, placement, {
        kind: 'NOT_SUPPORTED_YET',
        message: `step type '${step.type}' is not supported yet`,
      });
  }
}
