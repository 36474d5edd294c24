import type { AgentSnapshot, ErrorInfo } from '@weft/contracts';
import type { NormalizedDefinition } from '@weft/workflow';
import type { RunStatus, StepStatus } from './run-status.machine';

/** Bookkeeping of a parallel block: children start in definition order. */
export interface ParallelFrame {
  readonly kind: 'parallel';
  /** Index in `parallel_steps` of the next child to start. */
  next: number;
  running: number;
  finished: number;
  readonly outputs: Record<string, unknown>;
  failure: ErrorInfo | null;
}

/** Bookkeeping of a loop: items, the iterations in flight, and what finished iterations gave. */
export interface LoopFrame {
  readonly kind: 'loop';
  readonly items: readonly unknown[];
  readonly max_parallelism: number;
  next: number;
  /** Iteration indexes in flight (at most max_parallelism). */
  readonly active: number[];
  finished: number;
  readonly results: unknown[];
  readonly errors: { index: number; error: ErrorInfo }[];
  /** Set when an iteration failed under the `stop` policy: nothing more starts. */
  stopped: boolean;
}

export interface BranchState {
  status: 'RUNNING' | 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'CANCELLED';
  /** Path of the branch step running now. */
  current?: string;
  output?: unknown;
  error?: ErrorInfo;
}

export interface ForkJoinFrame {
  readonly kind: 'fork_join';
  readonly branches: Record<string, BranchState>;
  running: number;
  resolved: boolean;
}

export type Frame = ParallelFrame | LoopFrame | ForkJoinFrame;

export interface StepState {
  readonly step_id: string;
  readonly step_type: string;
  status: StepStatus;
  attempt: number;
  /** Path of the container step this execution belongs to (none at top level). */
  readonly parent?: string;
  readonly iteration?: number;
  readonly branch?: string;
  input?: unknown;
  output?: unknown;
  error?: ErrorInfo;
  frame?: Frame;
  /** Set by a re-drive (F7): attempts up to here are spent; the retry budget counts those after. */
  attempt_base?: number;
}

/**
 * A run's state: a function of its events alone. `evolve` updates it in place so that the cost of
 * one event does not grow with the size of the run.
 */
export interface RunState {
  readonly run_id: string;
  readonly workflow_id: string;
  readonly version: number;
  status: RunStatus;
  /** The normalized definition snapshot of RunStarted; null when the snapshot was invalid. */
  readonly definition: NormalizedDefinition | null;
  readonly input: unknown;
  readonly correlation_id?: string;
  readonly root_run_id: string;
  readonly nesting_level: number;
  /** The agents the run calls, as the registry had them when it started (retry policies). */
  readonly agents: Readonly<Record<string, AgentSnapshot>>;
  /** seq of the last event applied. */
  seq: number;
  /** Step executions by step path. */
  readonly steps: Record<string, StepState>;
  /**
   * Outputs by `<iteration scope>|<step id>`: what `${<id>.output}` reads. The scope is the innermost
   * loop iteration path of the execution (`loop[3]`), empty outside loops.
   */
  readonly outputs: Record<string, unknown>;
  /**
   * Step paths started inside each loop iteration (by iteration path, `loop[3]`): when the iteration
   * completes they are dropped from `steps` and `outputs`, so a run's state holds what is in flight,
   * not its whole history (the loop keeps each iteration's output).
   */
  readonly iteration_members: Record<string, string[]>;
  /** Output of the last completed top-level step: input of the next one when it has no input_mapping. */
  last_output: unknown;
  current_step?: string;
  output?: unknown;
  error?: ErrorInfo;
  /** DLQ entries whose step was re-driven (F7): a second re-drive of one decides to nothing. */
  redriven?: string[];
}

export interface DecideContext {
  /** ISO timestamp of the decision, from the scheduler's clock. */
  readonly now: string;
  /**
   * A number in [0, 1) for jitter, from the scheduler. What a decision draws from it is written into
   * the event it causes, so replay never calls it. Absent: 0.5 (no jitter offset).
   */
  readonly random?: () => number;
}

/**
 * What is kept of a run that has ended: enough to recognise duplicates and late commands (which
 * decide to nothing for an ended run), not its data. Its history stays in its event stream; the
 * step scheduler keeps and writes this for every ended run.
 */
export function endedRunState(state: RunState): RunState {
  return {
    run_id: state.run_id,
    workflow_id: state.workflow_id,
    version: state.version,
    status: state.status,
    definition: null,
    input: null,
    root_run_id: state.root_run_id,
    nesting_level: state.nesting_level,
    agents: {},
    seq: state.seq,
    steps: {},
    outputs: {},
    iteration_members: {},
    last_output: null,
  };
}
