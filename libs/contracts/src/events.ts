import { z } from 'zod';
import { ErrorInfoSchema } from './error-info';
import { AgentSnapshotSchema } from './agent-snapshot';
import { IsoTimestampSchema, JsonObjectSchema } from './json';

/**
 * Events of a run's stream (topic `wf.events`, key run_id), written by the step scheduler only.
 * Each carries run_id, seq (1, 2, 3… per run), type, data, recorded_at and step_path where it concerns a step.
 */
const envelope = {
  run_id: z.uuid(),
  seq: z.number().int().positive(),
  recorded_at: IsoTimestampSchema,
};
const stepEnvelope = { ...envelope, step_path: z.string().min(1) };

/** Where a step execution sits: its parent container, loop iteration and fork-join branch. */
const placement = {
  parent_path: z.string().optional(),
  loop_iteration_index: z.number().int().min(0).optional(),
  branch_name: z.string().optional(),
};

function event<T extends string, D extends z.ZodType>(type: T, data: D) {
  return z.strictObject({ ...envelope, type: z.literal(type), data, step_path: z.string().optional() });
}
function stepEvent<T extends string, D extends z.ZodType>(type: T, data: D) {
  return z.strictObject({ ...stepEnvelope, type: z.literal(type), data });
}

export const RunStartedSchema = event(
  'RunStarted',
  z.strictObject({
    workflow_id: z.string(),
    version: z.number().int().positive(),
    definition: JsonObjectSchema,
    input: z.unknown(),
    idempotency_key: z.string().optional(),
    correlation_id: z.string().optional(),
    parent_run_id: z.uuid().optional(),
    root_run_id: z.uuid(),
    nesting_level: z.number().int().min(0),
    triggered_by_run_id: z.uuid().optional(),
    chain_sequence: z.number().int().min(0),
    agents: z.record(z.string(), AgentSnapshotSchema).optional(),
    requested_at: IsoTimestampSchema,
  }),
);

export const StepScheduledSchema = stepEvent(
  'StepScheduled',
  z.strictObject({
    step_id: z.string(),
    step_type: z.string(),
    attempt: z.number().int().positive(),
    invocation_id: z.string(),
    agent_name: z.string().optional(),
    input: z.unknown(),
    timeout_ms: z.number().int().positive().optional(),
    ...placement,
  }),
);

/** A step that is not dispatched to an executor started: containers, conditionals, validations. */
export const StepStartedSchema = stepEvent(
  'StepStarted',
  z.strictObject({
    step_id: z.string(),
    step_type: z.string(),
    input: z.unknown().optional(),
    join_policy: z.string().optional(),
    branch_names: z.array(z.string()).optional(),
    ...placement,
  }),
);

export const ConditionEvaluatedSchema = stepEvent(
  'ConditionEvaluated',
  z.strictObject({
    step_id: z.string(),
    condition_expression: z.string(),
    condition_result: z.boolean(),
    branch_taken: z.string(),
  }),
);

export const LoopStartedSchema = stepEvent(
  'LoopStarted',
  z.strictObject({
    step_id: z.string(),
    items: z.array(z.unknown()),
    loop_collection_size: z.number().int().min(0),
    loop_execution_mode: z.enum(['sequential', 'parallel']),
    max_parallelism: z.number().int().positive(),
  }),
);

export const LoopIterationCompletedSchema = stepEvent(
  'LoopIterationCompleted',
  z.strictObject({
    step_id: z.string(),
    loop_iteration_index: z.number().int().min(0),
    ok: z.boolean(),
    output: z.unknown().optional(),
    error: ErrorInfoSchema.optional(),
  }),
);

export const BRANCH_OUTCOMES = ['COMPLETED', 'FAILED', 'TIMED_OUT', 'CANCELLED'] as const;
export const BranchCompletedSchema = stepEvent(
  'BranchCompleted',
  z.strictObject({
    step_id: z.string(),
    branch_name: z.string(),
    status: z.enum(BRANCH_OUTCOMES),
    output: z.unknown().optional(),
    error: ErrorInfoSchema.optional(),
  }),
);

export const JoinResolvedSchema = stepEvent(
  'JoinResolved',
  z.strictObject({
    step_id: z.string(),
    join_policy: z.enum(['ALL', 'ANY', 'MAJORITY', 'N_OF_M']),
    satisfied: z.boolean(),
    n_required: z.number().int().min(0),
    succeeded: z.array(z.string()),
    failed: z.array(z.string()),
  }),
);

export const StepCancelledSchema = stepEvent(
  'StepCancelled',
  z.strictObject({ step_id: z.string(), reason: z.string() }),
);

export const StepTimedOutSchema = stepEvent(
  'StepTimedOut',
  z.strictObject({ step_id: z.string(), timeout_seconds: z.number().min(0), error: ErrorInfoSchema }),
);

export const StepCompletedSchema = stepEvent(
  'StepCompleted',
  z.strictObject({
    step_id: z.string(),
    attempt: z.number().int().positive(),
    output: z.unknown(),
    duration_ms: z.number().min(0).optional(),
  }),
);

export const StepAttemptFailedSchema = stepEvent(
  'StepAttemptFailed',
  z.strictObject({
    step_id: z.string(),
    attempt: z.number().int().positive(),
    error: ErrorInfoSchema,
    duration_ms: z.number().min(0).optional(),
  }),
);

/** A failed attempt will be tried again after `delay_ms` (a durable timer); the delay includes jitter. */
export const StepRetryScheduledSchema = stepEvent(
  'StepRetryScheduled',
  z.strictObject({
    step_id: z.string(),
    attempt: z.number().int().positive(),
    next_attempt: z.number().int().positive(),
    delay_ms: z.number().int().min(0),
    fire_at: IsoTimestampSchema,
    timer_id: z.string(),
    error: ErrorInfoSchema,
  }),
);

export const StepFailedSchema = stepEvent(
  'StepFailed',
  z.strictObject({
    step_id: z.string(),
    attempt: z.number().int().min(0),
    error: ErrorInfoSchema,
  }),
);

/**
 * F7: an agent step's invocation failed for good (attempts exhausted, an error its policy does not
 * retry, or a step timeout) and becomes a dead-letter entry. Emitted even when the step's container
 * absorbs the failure (loop `continue`/`collect`, a fork-join policy, `fail_fast: false`): the
 * invocation still failed and an operator may want to replay it. `entry_id` is `<run_id>.<seq of
 * this event>`: deterministic (replay of the log gives the same id), URL-safe, and distinct for a
 * step that fails again after a re-drive.
 */
export const StepDeadLetteredSchema = stepEvent(
  'StepDeadLettered',
  z.strictObject({
    entry_id: z.string().min(1).max(100),
    step_id: z.string(),
    workflow_id: z.string(),
    version: z.number().int().positive(),
    agent_name: z.string(),
    invocation_id: z.string(),
    input: z.unknown(),
    error: ErrorInfoSchema,
    attempts: z.number().int().min(1),
  }),
);

/**
 * F7: a DLQ entry's step is re-driven (mode `step`): the FAILED run is RUNNING again and the step
 * is scheduled anew with a fresh retry budget. Attempt numbers go on from `attempt_base` (so
 * invocation and timer ids stay unique); the budget counts attempts after it.
 */
export const StepRedrivenSchema = stepEvent(
  'StepRedriven',
  z.strictObject({
    step_id: z.string(),
    entry_id: z.string().min(1).max(100),
    attempt_base: z.number().int().min(0),
  }),
);

export const RunCompletedSchema = event(
  'RunCompleted',
  z.strictObject({ output: z.unknown(), correlation_id: z.string().optional() }),
);

export const RunFailedSchema = event(
  'RunFailed',
  z.strictObject({ error: ErrorInfoSchema, correlation_id: z.string().optional() }),
);

export const RunTimedOutSchema = event(
  'RunTimedOut',
  z.strictObject({ error: ErrorInfoSchema, correlation_id: z.string().optional() }),
);

export const CommandRejectedSchema = event(
  'CommandRejected',
  z.strictObject({
    command_type: z.string(),
    command_id: z.string().optional(),
    reason: z.string(),
  }),
);

/** Why a timer exists: what the reducer does when it fires. */
export const TIMER_PURPOSES = [
  'step_timeout',
  'branch_timeout',
  'run_timeout',
  'retry',
  'wait_timeout',
  'pause_timeout',
] as const;

/**
 * Ask the timer service for a durable timer. `timer_id` is unique within the run and deterministic
 * (derived from the step path, attempt and purpose), so a repeated request is the same timer.
 */
export const TimerRequestedSchema = event(
  'TimerRequested',
  z.strictObject({
    timer_id: z.string().min(1).max(1200),
    purpose: z.enum(TIMER_PURPOSES),
    fire_at: IsoTimestampSchema,
  }),
);

/** A timer that is no longer needed (its step finished first). Firing it anyway is harmless. */
export const TimerCancelledSchema = event(
  'TimerCancelled',
  z.strictObject({ timer_id: z.string().min(1).max(1200) }),
);

export const RunEventSchema = z.discriminatedUnion('type', [
  TimerRequestedSchema,
  TimerCancelledSchema,
  RunStartedSchema,
  StepScheduledSchema,
  StepStartedSchema,
  ConditionEvaluatedSchema,
  LoopStartedSchema,
  LoopIterationCompletedSchema,
  BranchCompletedSchema,
  JoinResolvedSchema,
  StepCancelledSchema,
  StepTimedOutSchema,
  RunTimedOutSchema,
  StepCompletedSchema,
  StepAttemptFailedSchema,
  StepRetryScheduledSchema,
  StepFailedSchema,
  StepDeadLetteredSchema,
  StepRedrivenSchema,
  RunCompletedSchema,
  RunFailedSchema,
  CommandRejectedSchema,
]);

export type RunEvent = z.infer<typeof RunEventSchema>;
export type RunEventType = RunEvent['type'];
export type EventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;
/** What a decider returns: an event without the envelope fields the scheduler assigns (seq, recorded_at, run_id). */
export type NewEvent = RunEvent extends infer E
  ? E extends RunEvent
    ? Omit<E, 'seq' | 'recorded_at' | 'run_id'>
    : never
  : never;

/** Lifecycle events that upstream consumers watch (SPEC §7): they carry correlation_id. */
export const LIFECYCLE_EVENT_TYPES = [
  'RunStarted',
  'RunCompleted',
  'RunFailed',
  'RunCancelled',
  'RunTimedOut',
] as const;

/** The events that end a run: a run has at most one, and nothing follows it. */
export const RUN_ENDING_EVENT_TYPES: ReadonlySet<string> = new Set(
  LIFECYCLE_EVENT_TYPES.filter((type) => type !== 'RunStarted'),
);
