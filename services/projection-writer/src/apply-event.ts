import type { RunEvent } from '@weft/contracts';
import { toJsonText, type Database, type JsonInput, type JsonText } from '@weft/store';
import type { Kysely, Transaction } from 'kysely';
import { applyStepDeadLettered, applyStepRedriven } from './dlq-projection';

type Db = Kysely<Database> | Transaction<Database>;

/** Values in events come from decoded JSON, so they are JSON-serialisable; `undefined` is SQL NULL. */
function json(value: unknown): JsonText | null {
  return value === undefined ? null : toJsonText(value as JsonInput);
}

/** The step execution an event is about. */
function step(db: Db, event: { run_id: string; step_path: string }) {
  return db
    .updateTable('step_executions')
    .where('run_id', '=', event.run_id)
    .where('step_path', '=', event.step_path);
}

/**
 * Record how far a run's projection has got: once per run per batch, not per event (a run's row is
 * the hottest row there is).
 */
export async function markApplied(db: Db, runId: string, seq: number, at: string): Promise<void> {
  await db
    .updateTable('workflow_runs')
    .set({ last_seq: seq, updated_at: at })
    .where('run_id', '=', runId)
    .where('last_seq', '<', seq)
    .execute();
}

/**
 * Apply one event to the projections. Idempotent: the event row is inserted first, keyed by
 * (run_id, seq); if it is already there the event was applied before and nothing else is done.
 * Returns whether the event was applied now.
 */
export async function applyEvent(db: Db, event: RunEvent): Promise<boolean> {
  if ((await recordEvents(db, [event])).size === 0) return false;
  await applyEventEffects(db, event);
  return true;
}

/** The key `recordEvents` returns for an event: `<run_id>/<seq>`. */
export const eventKey = (event: { run_id: string; seq: number }) => `${event.run_id}/${event.seq}`;

/**
 * Insert the events' rows, many per statement, skipping those already there (applied before).
 * Returns the {@link eventKey}s of the rows inserted now: those events' effects are still to apply.
 */
export async function recordEvents(db: Db, events: readonly RunEvent[]): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (let i = 0; i < events.length; i += 500) {
    const rows = await db
      .insertInto('run_events')
      .values(
        events.slice(i, i + 500).map((event) => ({
          run_id: event.run_id,
          seq: event.seq,
          type: event.type,
          step_path: event.step_path ?? null,
          data: toJsonText(event.data),
          recorded_at: event.recorded_at,
        })),
      )
      .onConflict((oc) => oc.columns(['run_id', 'seq']).doNothing())
      .returning(['run_id', 'seq'])
      .execute();
    for (const row of rows) inserted.add(eventKey(row));
  }
  return inserted;
}

/** Apply an event's effects on runs and step executions (its row is recorded by `recordEvents`). */
export async function applyEventEffects(db: Db, event: RunEvent): Promise<void> {
  const at = event.recorded_at;
  const run = db.updateTable('workflow_runs').where('run_id', '=', event.run_id);
  switch (event.type) {
    case 'RunStarted': {
      const d = event.data;
      await db
        .insertInto('workflow_runs')
        .values({
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
        })
        .onConflict((oc) => oc.column('run_id').doNothing())
        .execute();
      return;
    }
    case 'StepScheduled':
    case 'StepStarted': {
      const d = event.data;
      const attempt = event.type === 'StepScheduled' ? event.data.attempt : 1;
      await db
        .insertInto('step_executions')
        .values({
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
        })
        .onConflict((oc) =>
          oc
            .columns(['run_id', 'step_path'])
            .doUpdateSet({ status: 'RUNNING', attempt, input: json(d.input), error: null, updated_at: at }),
        )
        .execute();
      if (d.loop_iteration_index !== undefined && d.parent_path !== undefined) {
        // An iteration carries its loop's size and mode (SPEC F3 per-iteration records).
        const loop = await db
          .selectFrom('step_executions')
          .select(['loop_collection_size', 'loop_execution_mode'])
          .where('run_id', '=', event.run_id)
          .where('step_path', '=', d.parent_path)
          .executeTakeFirst();
        if (loop) {
          await step(db, event)
            .set({
              loop_collection_size: loop.loop_collection_size,
              loop_execution_mode: loop.loop_execution_mode,
            })
            .execute();
        }
      }
      if (d.parent_path === undefined) await run.set({ current_step: d.step_id }).execute();
      return;
    }
    case 'ConditionEvaluated':
      await step(db, event)
        .set({
          condition_expression: event.data.condition_expression,
          condition_result: event.data.condition_result,
          branch_taken: event.data.branch_taken,
          updated_at: at,
        })
        .execute();
      break;
    case 'LoopStarted':
      await step(db, event)
        .set({
          loop_collection_size: event.data.loop_collection_size,
          loop_execution_mode: event.data.loop_execution_mode,
          updated_at: at,
        })
        .execute();
      break;
    case 'StepCancelled':
      await step(db, event).set({ status: 'CANCELLED', completed_at: at, updated_at: at }).execute();
      break;
    case 'StepTimedOut':
      await step(db, event)
        .set({ status: 'TIMED_OUT', error: json(event.data.error), completed_at: at, updated_at: at })
        .execute();
      break;
    case 'RunTimedOut':
      await run.set({ status: 'TIMED_OUT', error: json(event.data.error), completed_at: at }).execute();
      break;
    case 'LoopIterationCompleted':
    case 'BranchCompleted':
    case 'JoinResolved':
    case 'TimerRequested':
    case 'TimerCancelled':
      break;
    case 'StepCompleted':
      await step(db, event)
        .set({ status: 'COMPLETED', output: json(event.data.output), completed_at: at, updated_at: at })
        .execute();
      break;
    case 'StepAttemptFailed':
      await step(db, event)
        .set({ error: json(event.data.error), updated_at: at })
        .execute();
      break;
    case 'StepRetryScheduled':
      await step(db, event).set({ status: 'WAITING', updated_at: at }).execute();
      break;
    case 'StepFailed':
      await db
        .insertInto('step_executions')
        .values({
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
        })
        .onConflict((oc) =>
          oc.columns(['run_id', 'step_path']).doUpdateSet({
            status: 'FAILED',
            error: json(event.data.error),
            completed_at: at,
            updated_at: at,
          }),
        )
        .execute();
      break;
    case 'RunCompleted':
      await run
        .set({ status: 'COMPLETED', output: json(event.data.output), current_step: null, completed_at: at })
        .execute();
      break;
    case 'RunFailed':
      await run.set({ status: 'FAILED', error: json(event.data.error), completed_at: at }).execute();
      break;
    case 'StepDeadLettered':
      await applyStepDeadLettered(db, event);
      break;
    case 'StepRedriven':
      await applyStepRedriven(db, event);
      break;
    case 'CommandRejected':
      break;
  }
}
