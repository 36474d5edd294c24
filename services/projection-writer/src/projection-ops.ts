import type { EventOf, RunEvent } from '@weft/contracts';
import {
  toJsonText,
  type Executor,
  type JsonInput,
  type JsonText,
  type StepExecutionsTable,
  type WorkflowRunsTable,
} from '@weft/store';
import type { Insertable } from 'kysely';
import { applyStepDeadLettered, applyStepRedriven } from './dlq-projection';

export type RunRow = Insertable<WorkflowRunsTable>;
export type StepRow = Insertable<StepExecutionsTable>;

/** SQL types of the columns a patch may set (what a set-based statement casts its values to). */
export type ColumnType = 'text' | 'integer' | 'boolean' | 'jsonb' | 'timestamptz';

/** Every column of a run's row, with its SQL type (for rows sent as JSON, `jsonRows`). */
export const RUN_COLUMNS = {
  run_id: 'uuid',
  workflow_id: 'text',
  version: 'integer',
  status: 'text',
  input: 'jsonb',
  output: 'jsonb',
  error: 'jsonb',
  current_step: 'text',
  parent_run_id: 'uuid',
  root_run_id: 'uuid',
  nesting_level: 'integer',
  triggered_by_run_id: 'uuid',
  chain_sequence: 'integer',
  idempotency_key: 'text',
  correlation_id: 'text',
  created_at: 'timestamptz',
  started_at: 'timestamptz',
  completed_at: 'timestamptz',
  paused_at: 'timestamptz',
  updated_at: 'timestamptz',
  last_seq: 'integer',
} as const satisfies { readonly [K in keyof WorkflowRunsTable]-?: ColumnType | 'uuid' };

/** The run columns with a default other than NULL (a spec checks them against the database). */
export const RUN_DEFAULTED: readonly (keyof WorkflowRunsTable)[] = [
  'nesting_level',
  'chain_sequence',
  'created_at',
  'updated_at',
  'last_seq',
];

/** Every column of a step execution's row, with its SQL type. */
export const STEP_COLUMNS = {
  run_id: 'uuid',
  step_path: 'text',
  step_id: 'text',
  type: 'text',
  status: 'text',
  attempt: 'integer',
  input: 'jsonb',
  output: 'jsonb',
  error: 'jsonb',
  started_at: 'timestamptz',
  completed_at: 'timestamptz',
  updated_at: 'timestamptz',
  seq_started: 'integer',
  parent_path: 'text',
  condition_expression: 'text',
  condition_result: 'boolean',
  branch_taken: 'text',
  loop_collection_size: 'integer',
  loop_iteration_index: 'integer',
  loop_execution_mode: 'text',
  branch_name: 'text',
  join_policy: 'text',
} as const satisfies { readonly [K in keyof StepExecutionsTable]-?: ColumnType | 'uuid' };

/** The step execution columns with a default other than NULL (checked as `RUN_DEFAULTED` is). */
export const STEP_DEFAULTED: readonly (keyof StepExecutionsTable)[] = ['attempt', 'updated_at'];

/**
 * The run columns an event may change. `last_seq` and `updated_at` are not among them: they only
 * move with the run's progress (`markApplied`), once per batch.
 */
export const RUN_PATCH_COLUMNS = {
  status: 'text',
  output: 'jsonb',
  error: 'jsonb',
  current_step: 'text',
  completed_at: 'timestamptz',
} as const satisfies Record<string, ColumnType>;

/** The step execution columns an event may change after the row is created. */
export const STEP_PATCH_COLUMNS = {
  status: 'text',
  attempt: 'integer',
  input: 'jsonb',
  output: 'jsonb',
  error: 'jsonb',
  completed_at: 'timestamptz',
  updated_at: 'timestamptz',
  condition_expression: 'text',
  condition_result: 'boolean',
  branch_taken: 'text',
  loop_collection_size: 'integer',
  loop_execution_mode: 'text',
} as const satisfies Record<string, ColumnType>;

type Patch<Row, Columns> = { [K in keyof Columns & keyof Row]?: Row[K] };
export type RunPatch = Patch<RunRow, typeof RUN_PATCH_COLUMNS>;
export type StepPatch = Patch<StepRow, typeof STEP_PATCH_COLUMNS>;

/**
 * One effect of an event on the projections, as data: applied one statement each
 * (`applyProjectionOp`) or folded with a whole batch's (`BatchProjection`). Updates of a row that
 * is not there do nothing.
 */
export type ProjectionOp =
  /** Create the run's row; an existing row is left as it is. */
  | { readonly kind: 'insertRun'; readonly row: RunRow }
  | { readonly kind: 'updateRun'; readonly run_id: string; readonly set: RunPatch }
  /** Create the step's row, or set `onConflict` on the existing one (nothing if empty). */
  | { readonly kind: 'upsertStep'; readonly row: StepRow; readonly onConflict: StepPatch }
  | {
      readonly kind: 'updateStep';
      readonly run_id: string;
      readonly step_path: string;
      readonly set: StepPatch;
    }
  /**
   * A loop iteration carries its loop's size and mode (SPEC F3 per-iteration records): copy them
   * from the parent's row, if there is one, as it is at this point.
   */
  | {
      readonly kind: 'copyLoop';
      readonly run_id: string;
      readonly step_path: string;
      readonly parent_path: string;
    }
  /** Rare effects on other tables (the DLQ): applied on their own, in order. */
  | { readonly kind: 'apply'; readonly apply: (db: Executor) => Promise<void> };

/** Values in events come from decoded JSON, so they are JSON-serialisable; `undefined` is SQL NULL. */
function json(value: unknown): JsonText | null {
  return value === undefined ? null : toJsonText(value as JsonInput);
}

function updateStep(event: { run_id: string; step_path: string }, set: StepPatch): ProjectionOp {
  return { kind: 'updateStep', run_id: event.run_id, step_path: event.step_path, set };
}

function updateRun(event: { run_id: string }, set: RunPatch): ProjectionOp {
  return { kind: 'updateRun', run_id: event.run_id, set };
}

function stepStarted(event: EventOf<'StepScheduled'> | EventOf<'StepStarted'>): ProjectionOp[] {
  const d = event.data;
  const at = event.recorded_at;
  const attempt = event.type === 'StepScheduled' ? event.data.attempt : 1;
  const ops: ProjectionOp[] = [
    {
      kind: 'upsertStep',
      row: {
        run_id: event.run_id,
        step_path: event.step_path,
        step_id: d.step_id,
        type: d.step_type,
        status: 'RUNNING',
        attempt,
        input: json(d.input),
        started_at: at,
        updated_at: at,
        seq_started: event.seq,
        parent_path: d.parent_path ?? null,
        loop_iteration_index: d.loop_iteration_index ?? null,
        branch_name: d.branch_name ?? null,
        join_policy: event.type === 'StepStarted' ? (event.data.join_policy ?? null) : null,
      },
      onConflict: { status: 'RUNNING', attempt, input: json(d.input), error: null, updated_at: at },
    },
  ];
  if (d.loop_iteration_index !== undefined && d.parent_path !== undefined) {
    ops.push({
      kind: 'copyLoop',
      run_id: event.run_id,
      step_path: event.step_path,
      parent_path: d.parent_path,
    });
  }
  if (d.parent_path === undefined) ops.push(updateRun(event, { current_step: d.step_id }));
  return ops;
}

/** What an event does to the projections, in order (its `run_events` row aside). */
export function projectionOps(event: RunEvent): ProjectionOp[] {
  const at = event.recorded_at;
  switch (event.type) {
    case 'RunStarted': {
      const d = event.data;
      return [
        {
          kind: 'insertRun',
          row: {
            run_id: event.run_id,
            workflow_id: d.workflow_id,
            version: d.version,
            status: 'RUNNING',
            input: toJsonText(d.input === undefined ? null : (d.input as JsonInput)),
            parent_run_id: d.parent_run_id ?? null,
            root_run_id: d.root_run_id,
            nesting_level: d.nesting_level,
            triggered_by_run_id: d.triggered_by_run_id ?? null,
            chain_sequence: d.chain_sequence,
            idempotency_key: d.idempotency_key ?? null,
            correlation_id: d.correlation_id ?? null,
            created_at: d.requested_at,
            started_at: at,
            updated_at: at,
            last_seq: event.seq,
          },
        },
      ];
    }
    case 'StepScheduled':
    case 'StepStarted':
      return stepStarted(event);
    case 'ConditionEvaluated':
      return [
        updateStep(event, {
          condition_expression: event.data.condition_expression,
          condition_result: event.data.condition_result,
          branch_taken: event.data.branch_taken,
          updated_at: at,
        }),
      ];
    case 'LoopStarted':
      return [
        updateStep(event, {
          loop_collection_size: event.data.loop_collection_size,
          loop_execution_mode: event.data.loop_execution_mode,
          updated_at: at,
        }),
      ];
    case 'StepCancelled':
      return [updateStep(event, { status: 'CANCELLED', completed_at: at, updated_at: at })];
    case 'StepTimedOut':
      return [
        updateStep(event, {
          status: 'TIMED_OUT',
          error: json(event.data.error),
          completed_at: at,
          updated_at: at,
        }),
      ];
    case 'RunTimedOut':
      return [updateRun(event, { status: 'TIMED_OUT', error: json(event.data.error), completed_at: at })];
    case 'StepCompleted':
      return [
        updateStep(event, {
          status: 'COMPLETED',
          output: json(event.data.output),
          completed_at: at,
          updated_at: at,
        }),
      ];
    case 'StepAttemptFailed':
      return [updateStep(event, { error: json(event.data.error), updated_at: at })];
    case 'StepRetryScheduled':
      return [updateStep(event, { status: 'WAITING', updated_at: at })];
    case 'StepFailed':
      return [
        {
          kind: 'upsertStep',
          row: {
            run_id: event.run_id,
            step_path: event.step_path,
            step_id: event.data.step_id,
            type: 'agent',
            status: 'FAILED',
            attempt: event.data.attempt,
            error: json(event.data.error),
            started_at: at,
            completed_at: at,
            updated_at: at,
            seq_started: event.seq,
          },
          onConflict: { status: 'FAILED', error: json(event.data.error), completed_at: at, updated_at: at },
        },
      ];
    case 'RunCompleted':
      return [
        updateRun(event, {
          status: 'COMPLETED',
          output: json(event.data.output),
          current_step: null,
          completed_at: at,
        }),
      ];
    case 'RunFailed':
      return [updateRun(event, { status: 'FAILED', error: json(event.data.error), completed_at: at })];
    case 'StepDeadLettered':
      return [{ kind: 'apply', apply: (db) => applyStepDeadLettered(db, event) }];
    case 'StepRedriven':
      return [{ kind: 'apply', apply: (db) => applyStepRedriven(db, event) }];
    case 'LoopIterationCompleted':
    case 'BranchCompleted':
    case 'JoinResolved':
    case 'TimerRequested':
    case 'TimerCancelled':
    case 'CommandRejected':
      return [];
  }
}

/** Apply one op with its own statement(s): what a batch of one event amounts to. */
export async function applyProjectionOp(db: Executor, op: ProjectionOp): Promise<void> {
  switch (op.kind) {
    case 'insertRun':
      await db
        .insertInto('workflow_runs')
        .values(op.row)
        .onConflict((oc) => oc.column('run_id').doNothing())
        .execute();
      return;
    case 'updateRun':
      await db.updateTable('workflow_runs').set(op.set).where('run_id', '=', op.run_id).execute();
      return;
    case 'upsertStep':
      await db
        .insertInto('step_executions')
        .values(op.row)
        .onConflict((oc) => {
          const target = oc.columns(['run_id', 'step_path']);
          return Object.keys(op.onConflict).length === 0
            ? target.doNothing()
            : target.doUpdateSet(op.onConflict);
        })
        .execute();
      return;
    case 'updateStep':
      await db
        .updateTable('step_executions')
        .set(op.set)
        .where('run_id', '=', op.run_id)
        .where('step_path', '=', op.step_path)
        .execute();
      return;
    case 'copyLoop': {
      const loop = await db
        .selectFrom('step_executions')
        .select(['loop_collection_size', 'loop_execution_mode'])
        .where('run_id', '=', op.run_id)
        .where('step_path', '=', op.parent_path)
        .executeTakeFirst();
      if (loop) {
        await db
          .updateTable('step_executions')
          .set({
            loop_collection_size: loop.loop_collection_size,
            loop_execution_mode: loop.loop_execution_mode,
          })
          .where('run_id', '=', op.run_id)
          .where('step_path', '=', op.step_path)
          .execute();
      }
      return;
    }
    case 'apply':
      await op.apply(db);
      return;
  }
}
