import type { ErrorInfo } from '@weft/contracts';
import { resolveMapping } from '@weft/expressions';
import type { NormalizedStep } from '@weft/workflow';
import { stepById } from '../definition-index';
import type { Decision, Outcome } from '../run-context';
import type { Frame } from '../run-state';
import { timerId } from '../paths';
import { scopeFor, type Placement } from '../scope';
import { addSeconds } from '../time';
import { isTerminalStep } from '../run-status.machine';

/**
 * Step lifecycle shared by every step type: start events carry the placement, a finished step
 * tells its container (through the decision's queue), and cancellation walks a subtree.
 */
export const placementData = (p: Placement) => ({
  ...(p.parent !== undefined ? { parent_path: p.parent } : {}),
  ...(p.iteration !== undefined ? { loop_iteration_index: p.iteration } : {}),
  ...(p.branch !== undefined ? { branch_name: p.branch } : {}),
});

/** Containers' own handlers, registered by their modules (keeps the modules free of import cycles). */
export interface ContainerHandlers {
  childFinished(d: Decision, parentPath: string, childPath: string, outcome: Outcome): void;
  cancelChildren(d: Decision, path: string): void;
}
const handlers: Partial<Record<'parallel' | 'loop' | 'fork_join' | 'top', ContainerHandlers>> = {};
export function registerContainer(
  kind: 'parallel' | 'loop' | 'fork_join' | 'top',
  h: ContainerHandlers,
): void {
  handlers[kind] = h;
}

export function completeStep(
  d: Decision,
  path: string,
  output: unknown,
  extra: Omit<Extract<Outcome, { ok: true }>, 'ok' | 'output'> = {},
): void {
  const step = d.state.steps[path];
  if (!step) return;
  d.emit({
    type: 'StepCompleted',
    step_path: path,
    data: { step_id: step.step_id, attempt: step.attempt, output },
  });
  notifyParent(d, path, { ok: true, output, ...extra });
}

export function failStep(d: Decision, path: string, error: ErrorInfo): void {
  const step = d.state.steps[path];
  if (!step) return;
  const located = { ...error, step_path: error.step_path ?? path };
  d.emit({
    type: 'StepFailed',
    step_path: path,
    data: { step_id: step.step_id, attempt: step.attempt, error: located },
  });
  notifyParent(d, path, { ok: false, error: located });
}

/** A container or inline step started (agent steps are `StepScheduled` instead). */
export function emitStarted(
  d: Decision,
  step: NormalizedStep,
  path: string,
  placement: Placement,
  data: { input?: unknown; join_policy?: string; branch_names?: string[] } = {},
): void {
  d.emit({
    type: 'StepStarted',
    step_path: path,
    data: { step_id: step.id, step_type: step.type, ...data, ...placementData(placement) },
  });
}

/** The bookkeeping of the container at `path`, if it is of that kind. */
export function frameAt<K extends Frame['kind']>(
  d: Decision,
  path: string,
  kind: K,
): Extract<Frame, { kind: K }> | undefined {
  const frame = d.state.steps[path]?.frame;
  return frame?.kind === kind ? (frame as Extract<Frame, { kind: K }>) : undefined;
}

/** The definition of the step executing at `path`, if it is of that type. */
export function definitionAt<T extends NormalizedStep['type']>(
  d: Decision,
  path: string,
  type: T,
): Extract<NormalizedStep, { type: T }> | undefined {
  const id = d.state.steps[path]?.step_id;
  const step = id === undefined ? undefined : stepById(d.def, id)?.step;
  return step?.type === type ? (step as Extract<NormalizedStep, { type: T }>) : undefined;
}

/** A step that cannot even start (a mapping that does not resolve): recorded as started, then failed. */
export function failToStart(
  d: Decision,
  step: NormalizedStep,
  path: string,
  placement: Placement,
  error: ErrorInfo,
): void {
  emitStarted(d, step, path, placement);
  failStep(d, path, error);
}

export function notifyParent(d: Decision, path: string, outcome: Outcome): void {
  const step = d.state.steps[path];
  if (!step) return;
  if (step.parent === undefined) {
    d.later(() => handlers.top?.childFinished(d, '', path, outcome));
    return;
  }
  const parentPath = step.parent;
  d.later(() => {
    const parent = d.state.steps[parentPath];
    if (!parent || parent.status !== 'RUNNING' || !parent.frame) return;
    handlers[parent.frame.kind]?.childFinished(d, parentPath, path, outcome);
  });
}

/** Cancel a running execution and everything running below it. */
export function cancelSubtree(d: Decision, path: string, reason: string): void {
  const step = d.state.steps[path];
  if (!step || isTerminalStep(step.status)) return;
  cancelChildren(d, path);
  d.emit({ type: 'StepCancelled', step_path: path, data: { step_id: step.step_id, reason } });
}

export function cancelChildren(d: Decision, path: string): void {
  const frame = d.state.steps[path]?.frame;
  if (frame) handlers[frame.kind]?.cancelChildren(d, path);
}

/** A step with `timeout_seconds` gets a durable timer: when it fires and the step still runs, the step times out. */
export function requestStepTimer(d: Decision, step: NormalizedStep, path: string, attempt = 1): void {
  if (step.timeout_seconds === undefined) return;
  d.emit({
    type: 'TimerRequested',
    step_path: path,
    data: {
      timer_id: timerId(path, 'step_timeout', attempt),
      purpose: 'step_timeout',
      fire_at: addSeconds(d.ctx.now, step.timeout_seconds),
    },
  });
}

/** An agent step's input: its input_mapping resolved where it runs, else what its sequence hands it. */
export function resolveInput(
  d: Decision,
  step: { input_mapping?: unknown },
  path: string,
  placement: Placement,
  defaultInput: unknown,
): { ok: true; value: unknown } | { ok: false; error: ErrorInfo } {
  if (step.input_mapping === undefined) return { ok: true, value: defaultInput };
  const resolved = resolveMapping(step.input_mapping, scopeFor(d.state, path, placement));
  if (resolved.ok) return { ok: true, value: resolved.value };
  return { ok: false, error: { kind: 'MAPPING_FAILED', message: resolved.error.message, step_path: path } };
}
