import type { EventOf, RunEvent } from '@weft/contracts';
import { WorkflowDefinitionSchema, normalizeDefinition, type NormalizedDefinition } from '@weft/workflow';
import { iterationScopes, outputKey } from './paths';
import type { Frame, RunState, StepState } from './run-state';

function snapshot(raw: Record<string, unknown>): NormalizedDefinition | null {
  const parsed = WorkflowDefinitionSchema.safeParse(raw);
  return parsed.success ? normalizeDefinition(parsed.data) : null;
}

export function evolveRunStarted(
  runId: string,
  event: Pick<EventOf<'RunStarted'>, 'data' | 'seq'>,
): RunState {
  const d = event.data;
  return {
    run_id: runId,
    workflow_id: d.workflow_id,
    version: d.version,
    status: 'RUNNING',
    definition: snapshot(d.definition),
    input: d.input,
    ...(d.correlation_id !== undefined ? { correlation_id: d.correlation_id } : {}),
    root_run_id: d.root_run_id,
    nesting_level: d.nesting_level,
    agents: d.agents ?? {},
    seq: event.seq,
    steps: {},
    outputs: {},
    iteration_members: {},
    last_output: d.input,
  };
}

function newFrame(data: { step_type: string; branch_names?: string[] | undefined }): Frame | undefined {
  if (data.step_type === 'parallel')
    return { kind: 'parallel', next: 0, running: 0, finished: 0, outputs: {}, failure: null };
  if (data.step_type === 'fork_join') {
    const names = data.branch_names ?? [];
    return {
      kind: 'fork_join',
      branches: Object.fromEntries(names.map((n) => [n, { status: 'RUNNING' }])),
      running: names.length,
      resolved: false,
    };
  }
  return undefined;
}

function started(
  state: RunState,
  path: string,
  data: EventOf<'StepStarted'>['data'] | EventOf<'StepScheduled'>['data'],
  attempt: number,
): void {
  const step: StepState = {
    step_id: data.step_id,
    step_type: data.step_type,
    status: 'RUNNING',
    attempt,
    ...(data.parent_path !== undefined ? { parent: data.parent_path } : {}),
    ...(data.loop_iteration_index !== undefined ? { iteration: data.loop_iteration_index } : {}),
    ...(data.branch_name !== undefined ? { branch: data.branch_name } : {}),
    ...(data.input !== undefined ? { input: data.input } : {}),
  };
  const frame = newFrame({
    step_type: data.step_type,
    branch_names: 'branch_names' in data ? data.branch_names : undefined,
  });
  if (frame) step.frame = frame;
  const existing = state.steps[path];
  if (existing?.attempt_base !== undefined) step.attempt_base = existing.attempt_base;
  state.steps[path] = step;
  const scope = iterationScopes(path)[0]!;
  if (scope !== '' && !existing) (state.iteration_members[scope] ??= []).push(path);
  if (data.parent_path === undefined) {
    state.current_step = data.step_id;
    return;
  }
  if (existing) return; // a retried attempt: the container counted this child already
  const parent = state.steps[data.parent_path]?.frame;
  if (parent?.kind === 'parallel') {
    parent.next += 1;
    parent.running += 1;
  } else if (parent?.kind === 'loop' && data.loop_iteration_index !== undefined) {
    parent.next = Math.max(parent.next, data.loop_iteration_index + 1);
    parent.active.push(data.loop_iteration_index);
  } else if (parent?.kind === 'fork_join' && data.branch_name !== undefined) {
    const branch = parent.branches[data.branch_name];
    if (branch) branch.current = path;
  }
}

/** A child of a parallel block reached a terminal status. */
function parallelChildEnded(
  state: RunState,
  step: StepState,
  output: { value: unknown } | null,
  failure: StepState['error'],
): void {
  if (step.parent === undefined) return;
  const frame = state.steps[step.parent]?.frame;
  if (frame?.kind !== 'parallel') return;
  frame.running -= 1;
  frame.finished += 1;
  if (output) frame.outputs[step.step_id] = output.value;
  if (failure && !frame.failure) frame.failure = failure;
}

/** Forget the executions of a finished loop iteration (their outputs live on in the loop's results). */
function pruneIteration(state: RunState, scope: string): void {
  const members = state.iteration_members[scope];
  if (!members) return;
  for (const path of members) {
    const step = state.steps[path];
    if (step) delete state.outputs[outputKey(path, step.step_id)];
    delete state.steps[path];
  }
  delete state.iteration_members[scope];
}

/**
 * evolve(state, event) → state. Updates `state` in place (O(1) per event whatever the run's size)
 * and returns it; RunStarted creates the state. Events are facts: evolve never refuses one.
 */
export function evolve(state: RunState | undefined, event: RunEvent): RunState {
  if (event.type === 'RunStarted') return evolveRunStarted(event.run_id, event);
  if (!state) throw new Error(`event ${event.type} #${event.seq} of run ${event.run_id} before RunStarted`);
  state.seq = event.seq;
  switch (event.type) {
    case 'StepScheduled':
      started(state, event.step_path, event.data, event.data.attempt);
      break;
    case 'StepStarted':
      started(state, event.step_path, event.data, 1);
      break;
    case 'ConditionEvaluated':
      break;
    case 'LoopStarted': {
      const step = state.steps[event.step_path];
      if (step) {
        step.frame = {
          kind: 'loop',
          items: event.data.items,
          max_parallelism: event.data.max_parallelism,
          next: 0,
          active: [],
          finished: 0,
          results: [],
          errors: [],
          stopped: false,
        };
      }
      break;
    }
    case 'LoopIterationCompleted': {
      const frame = state.steps[event.step_path]?.frame;
      if (frame?.kind !== 'loop') break;
      const i = event.data.loop_iteration_index;
      const at = frame.active.indexOf(i);
      if (at >= 0) frame.active.splice(at, 1);
      frame.finished += 1;
      pruneIteration(state, `${event.step_path}[${i}]`);
      if (event.data.ok) frame.results[i] = event.data.output;
      else {
        frame.results[i] = null;
        if (event.data.error) frame.errors.push({ index: i, error: event.data.error });
      }
      break;
    }
    case 'BranchCompleted': {
      const frame = state.steps[event.step_path]?.frame;
      if (frame?.kind !== 'fork_join') break;
      const branch = frame.branches[event.data.branch_name];
      if (!branch || branch.status !== 'RUNNING') break;
      branch.status = event.data.status;
      delete branch.current;
      if (event.data.output !== undefined) branch.output = event.data.output;
      if (event.data.error !== undefined) branch.error = event.data.error;
      frame.running -= 1;
      break;
    }
    case 'JoinResolved': {
      const frame = state.steps[event.step_path]?.frame;
      if (frame?.kind === 'fork_join') frame.resolved = true;
      break;
    }
    case 'StepCompleted': {
      const step = state.steps[event.step_path];
      if (step) {
        step.status = 'COMPLETED';
        step.output = event.data.output;
        parallelChildEnded(state, step, { value: event.data.output }, undefined);
        if (step.parent === undefined && step.step_type !== 'conditional')
          state.last_output = event.data.output;
      }
      state.outputs[outputKey(event.step_path, event.data.step_id)] = event.data.output;
      break;
    }
    case 'StepAttemptFailed': {
      const step = state.steps[event.step_path];
      if (step) step.error = event.data.error;
      break;
    }
    case 'StepRetryScheduled': {
      const step = state.steps[event.step_path];
      if (step) step.status = 'WAITING';
      break;
    }
    case 'StepFailed':
    case 'StepTimedOut': {
      const status = event.type === 'StepFailed' ? 'FAILED' : 'TIMED_OUT';
      const existing = state.steps[event.step_path];
      if (existing) {
        existing.status = status;
        existing.error = event.data.error;
        parallelChildEnded(state, existing, null, event.data.error);
      } else {
        state.steps[event.step_path] = {
          step_id: event.data.step_id,
          step_type: 'agent',
          status,
          attempt: event.type === 'StepFailed' ? event.data.attempt : 1,
          error: event.data.error,
        };
      }
      break;
    }
    case 'StepCancelled': {
      const step = state.steps[event.step_path];
      if (step) {
        step.status = 'CANCELLED';
        parallelChildEnded(state, step, null, undefined);
      }
      break;
    }
    case 'StepRedriven': {
      state.status = 'RUNNING';
      delete state.error;
      (state.redriven ??= []).push(event.data.entry_id);
      const step = state.steps[event.step_path];
      if (step) {
        step.attempt_base = event.data.attempt_base;
        delete step.error;
      }
      break;
    }
    case 'RunCompleted':
      state.status = 'COMPLETED';
      state.output = event.data.output;
      delete state.current_step;
      break;
    case 'RunFailed':
      state.status = 'FAILED';
      state.error = event.data.error;
      break;
    case 'RunTimedOut':
      state.status = 'TIMED_OUT';
      state.error = event.data.error;
      break;
    case 'CommandRejected':
    case 'StepDeadLettered':
    case 'TimerRequested':
    case 'TimerCancelled':
      break;
  }
  return state;
}

/** Replay a run's events through the current reducer. */
export function replay(events: readonly RunEvent[]): RunState | undefined {
  let state: RunState | undefined;
  for (const event of events) state = evolve(state, event);
  return state;
}
