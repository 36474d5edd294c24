import type { ColumnType, Generated } from 'kysely';
import type { JsonText, JsonValue } from './json';

/**
 * The one Kysely schema shared by the `pg` and PGlite dialects (STYLE 5).
 *
 * Value conventions, identical in both dialects (see `dialects/type-parsers.ts`):
 * - `timestamptz(3)` columns read as ISO-8601 UTC strings (`2024-01-02T03:04:05.123Z`) and are
 *   written as ISO strings; millisecond precision is stored so a value read back compares equal.
 * - `jsonb` columns read as parsed JSON and are written as {@link JsonText} (`toJsonText`).
 * - `integer` columns read as numbers; `int8` results (e.g. `count(*)`) are parsed to numbers too.
 */

/** A timestamp with a database default: optional on insert. */
export type TimestampDefault = ColumnType<string, string | undefined, string>;
export type Timestamp = ColumnType<string, string, string>;
export type NullableTimestamp = ColumnType<string | null, string | null | undefined, string | null>;

export type Json = ColumnType<JsonValue, JsonText, JsonText>;
export type JsonWithDefault = ColumnType<JsonValue, JsonText | undefined, JsonText>;
export type NullableJson = ColumnType<JsonValue | null, JsonText | null | undefined, JsonText | null>;

/** A column with a database default: optional on insert. */
export type WithDefault<T> = ColumnType<T, T | undefined, T>;
export type Nullable<T> = ColumnType<T | null, T | null | undefined, T | null>;

export const WORKFLOW_VERSION_STATUSES = ['draft', 'active', 'deprecated', 'archived'] as const;
export type WorkflowVersionStatus = (typeof WORKFLOW_VERSION_STATUSES)[number];

export interface AgentsTable {
  name: string;
  url: string;
  method: WithDefault<string>;
  timeout_seconds: WithDefault<number>;
  retry_config: NullableJson;
  circuit_breaker_config: NullableJson;
  headers: JsonWithDefault;
  description: Nullable<string>;
  created_at: TimestampDefault;
  updated_at: TimestampDefault;
}

export interface WorkflowDefinitionsTable {
  workflow_id: string;
  version: number;
  name: string;
  status: WorkflowVersionStatus;
  definition: Json;
  change_summary: Nullable<string>;
  previous_version: Nullable<number>;
  created_at: TimestampDefault;
}

export interface WorkflowRunsTable {
  run_id: string;
  workflow_id: string;
  version: number;
  status: string;
  input: Json;
  output: NullableJson;
  error: NullableJson;
  current_step: Nullable<string>;
  parent_run_id: Nullable<string>;
  root_run_id: Nullable<string>;
  nesting_level: WithDefault<number>;
  triggered_by_run_id: Nullable<string>;
  chain_sequence: WithDefault<number>;
  idempotency_key: Nullable<string>;
  correlation_id: Nullable<string>;
  created_at: TimestampDefault;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  paused_at: NullableTimestamp;
  updated_at: TimestampDefault;
  last_seq: WithDefault<number>;
}

export interface StepExecutionsTable {
  run_id: string;
  step_path: string;
  step_id: string;
  type: string;
  status: string;
  attempt: WithDefault<number>;
  input: NullableJson;
  output: NullableJson;
  error: NullableJson;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  updated_at: TimestampDefault;
  seq_started: number;
  parent_path: Nullable<string>;
  condition_expression: Nullable<string>;
  condition_result: Nullable<boolean>;
  branch_taken: Nullable<string>;
  loop_collection_size: Nullable<number>;
  loop_iteration_index: Nullable<number>;
  loop_execution_mode: Nullable<string>;
  branch_name: Nullable<string>;
  join_policy: Nullable<string>;
}

export interface RunEventsTable {
  run_id: string;
  seq: number;
  type: string;
  step_path: Nullable<string>;
  data: Json;
  recorded_at: Timestamp;
}

export interface ProjectionCheckpointsTable {
  projection: string;
  position: Json;
  updated_at: TimestampDefault;
}

export const TIMER_STATUSES = ['pending', 'fired', 'cancelled'] as const;
export type TimerStatus = (typeof TIMER_STATUSES)[number];

export interface TimersTable {
  run_id: string;
  timer_id: string;
  purpose: string;
  fire_at: Timestamp;
  status: WithDefault<TimerStatus>;
  created_at: TimestampDefault;
  fired_at: NullableTimestamp;
  /** Lease of the instance sending the timer's command; a lapsed lease may be taken again. */
  claimed_until: NullableTimestamp;
}

export const CIRCUIT_STATE_NAMES = ['CLOSED', 'OPEN', 'HALF_OPEN'] as const;
export type CircuitStateName = (typeof CIRCUIT_STATE_NAMES)[number];

/** One transition of an agent's circuit breaker (SPEC F5), as written by the agent bridge or a reset. */
export interface CircuitBreakerEventsTable {
  id: Generated<number>;
  agent_name: string;
  from_state: CircuitStateName;
  to_state: CircuitStateName;
  reason: string;
  occurred_at: Timestamp;
  recorded_at: TimestampDefault;
}

export const DLQ_ENTRY_STATUSES = ['pending', 'replayed'] as const;
export type DlqEntryStatus = (typeof DLQ_ENTRY_STATUSES)[number];
export const DLQ_REPLAY_MODES = ['run', 'step'] as const;
export type DlqReplayMode = (typeof DLQ_REPLAY_MODES)[number];

/** A dead-letter entry (SPEC F7): an agent invocation that failed for good, from `StepDeadLettered`. */
export interface DlqEntriesTable {
  entry_id: string;
  run_id: string;
  workflow_id: string;
  version: number;
  step_path: string;
  step_id: string;
  agent_name: string;
  invocation_id: string;
  /** The step's resolved input. */
  input: NullableJson;
  /** The run's input: what a replay as a new run starts with. */
  run_input: NullableJson;
  error: Json;
  attempts: number;
  status: WithDefault<DlqEntryStatus>;
  replay_mode: Nullable<DlqReplayMode>;
  replay_run_id: Nullable<string>;
  replayed_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: TimestampDefault;
}

export interface Database {
  agents: AgentsTable;
  workflow_definitions: WorkflowDefinitionsTable;
  workflow_runs: WorkflowRunsTable;
  step_executions: StepExecutionsTable;
  run_events: RunEventsTable;
  projection_checkpoints: ProjectionCheckpointsTable;
  timers: TimersTable;
  circuit_breaker_events: CircuitBreakerEventsTable;
  dlq_entries: DlqEntriesTable;
}
