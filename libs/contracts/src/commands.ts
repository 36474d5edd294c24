import { z } from 'zod';
import { ErrorInfoSchema } from './error-info';
import { AgentSnapshotSchema } from './agent-snapshot';
import { RunEventSchema } from './events';
import { IsoTimestampSchema, JsonObjectSchema } from './json';

// The snapshot lives in its own module so that events.ts and this file do not import each other.
export { AgentSnapshotSchema, type AgentSnapshot } from './agent-snapshot';

/**
 * Commands to the step scheduler (topic `wf.commands`, key run_id). Every command names its run;
 * time enters the reducer only through `*_at` fields of commands and the scheduler's ctx.
 */
const base = {
  run_id: z.uuid(),
  command_id: z.string().min(1).max(200).optional(),
};

export const StartRunSchema = z.strictObject({
  ...base,
  type: z.literal('StartRun'),
  workflow_id: z.string().min(1).max(128),
  version: z.number().int().positive(),
  definition: JsonObjectSchema,
  input: z.unknown(),
  idempotency_key: z.string().min(1).max(256).optional(),
  correlation_id: z.string().min(1).max(256).optional(),
  parent_run_id: z.uuid().optional(),
  root_run_id: z.uuid().optional(),
  nesting_level: z.number().int().min(0).optional(),
  triggered_by_run_id: z.uuid().optional(),
  chain_sequence: z.number().int().min(0).optional(),
  /** What the run needs to know of the agents it calls (their retry policy), from the registry at start. */
  agents: z.record(z.string(), AgentSnapshotSchema).optional(),
  requested_at: IsoTimestampSchema,
});
export type StartRun = z.infer<typeof StartRunSchema>;

export const StepOutcomeSchema = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), output: z.unknown() }),
  z.strictObject({ ok: z.literal(false), error: ErrorInfoSchema }),
]);
export type StepOutcome = z.infer<typeof StepOutcomeSchema>;

/** The result of one attempt of one step, reported by the agent bridge (or any executor). */
export const ReportStepResultSchema = z.strictObject({
  ...base,
  type: z.literal('ReportStepResult'),
  step_path: z.string().min(1).max(1024),
  attempt: z.number().int().positive(),
  invocation_id: z.string().min(1).max(1200),
  outcome: StepOutcomeSchema,
  duration_ms: z.number().min(0).optional(),
  reported_at: IsoTimestampSchema,
});
export type ReportStepResult = z.infer<typeof ReportStepResultSchema>;

/** A durable timer came due (sent by the timer service; late timers fire at once). */
export const FireTimerSchema = z.strictObject({
  ...base,
  type: z.literal('FireTimer'),
  timer_id: z.string().min(1).max(1200),
  fired_at: IsoTimestampSchema,
});
export type FireTimer = z.infer<typeof FireTimerSchema>;

/** Most events a re-drive may carry: a longer history is refused before it is sent. */
export const MAX_REDRIVE_HISTORY = 20_000;

/**
 * F7 DLQ replay in mode `step`: re-drive the step that failed a FAILED run, with a fresh retry
 * budget. The scheduler keeps only a stub of an ended run, so the command carries the run's events
 * (from the projection); the reducer rebuilds the state from them, checks they end where the run
 * ended, and reopens the run. `entry_id` names the DLQ entry: a second re-drive of it is a no-op.
 */
export const RedriveStepSchema = z.strictObject({
  ...base,
  type: z.literal('RedriveStep'),
  step_path: z.string().min(1).max(1024),
  entry_id: z.string().min(1).max(100),
  history: z.array(RunEventSchema).max(MAX_REDRIVE_HISTORY),
  requested_at: IsoTimestampSchema,
});
export type RedriveStep = z.infer<typeof RedriveStepSchema>;

export const CommandSchema = z.discriminatedUnion('type', [
  StartRunSchema,
  ReportStepResultSchema,
  FireTimerSchema,
  RedriveStepSchema,
]);
export type Command = z.infer<typeof CommandSchema>;
export type CommandType = Command['type'];
