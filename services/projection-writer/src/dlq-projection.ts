import type { EventOf } from '@weft/contracts';
import { insertDlqEntry, toJsonText, type Executor, type JsonInput } from '@weft/store';

/**
 * F7: `StepDeadLettered` → a `dlq_entries` row. The entry keeps the run's input next to the step's,
 * so a replay as a new run needs nothing else; the run row is there already (RunStarted is applied
 * before any event of the run, in the same or an earlier transaction).
 */
export async function applyStepDeadLettered(db: Executor, event: EventOf<'StepDeadLettered'>): Promise<void> {
  const d = event.data;
  const run = await db
    .selectFrom('workflow_runs')
    .select('input')
    .where('run_id', '=', event.run_id)
    .executeTakeFirst();
  await insertDlqEntry(db, {
    entry_id: d.entry_id,
    run_id: event.run_id,
    workflow_id: d.workflow_id,
    version: d.version,
    step_path: event.step_path,
    step_id: d.step_id,
    agent_name: d.agent_name,
    invocation_id: d.invocation_id,
    input: d.input === undefined ? null : toJsonText(d.input as JsonInput),
    run_input: run ? toJsonText(run.input) : null,
    error: toJsonText(d.error as JsonInput),
    attempts: d.attempts,
    created_at: event.recorded_at,
  });
}

/**
 * A re-drive (DLQ replay mode `step`) reopened the failed run: it is RUNNING again, without its
 * error. The step's row is reset by the StepScheduled that follows.
 */
export async function applyStepRedriven(db: Executor, event: EventOf<'StepRedriven'>): Promise<void> {
  await db
    .updateTable('workflow_runs')
    .set({ status: 'RUNNING', error: null, completed_at: null, current_step: event.data.step_id })
    .where('run_id', '=', event.run_id)
    .execute();
}
