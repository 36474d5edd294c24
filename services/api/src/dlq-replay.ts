import {
  err,
  MAX_REDRIVE_HISTORY,
  ok,
  RunEventSchema,
  WeftError,
  type RedriveStep,
  type Result,
  type RunEvent,
} from '@weft/contracts';
import { jsonHeaders } from '@weft/eventlog';
import {
  getDlqEntry,
  getRun,
  listRunEvents,
  markDlqEntryReplayed,
  type DlqEntry,
  type DlqReplayMode,
} from '@weft/store';
import type { ApiDeps } from './deps';
import { prepareStartRun, startRunRecord } from './start-run';

export type ReplayDeps = Pick<ApiDeps, 'db' | 'log' | 'topics' | 'now' | 'newRunId'>;

/** What replaying one entry did. */
export type ReplayOutcome =
  | { readonly outcome: 'replayed'; readonly entry: DlqEntry; readonly run_id: string }
  | {
      readonly outcome: 'skipped';
      readonly entry: DlqEntry;
      readonly run_id: string | null;
      readonly reason: string;
    };

/** The idempotency key of the run that replays an entry: a second replay names the same run. */
export const replayIdempotencyKey = (entryId: string): string => `dlq-replay:${entryId}`;

/**
 * Replay one DLQ entry (SPEC F7). Mode `run` starts a new run of the entry's workflow version with
 * the input of the run that failed, through the ordinary start path (registry, definition and input
 * checks). The new run's id derives from the entry id (as an idempotency key), so two replays, even
 * concurrent ones, start one run: the scheduler decides a second StartRun of a run id to nothing,
 * and only the first replay marks the entry. An entry replayed already is `skipped` with its run.
 * Expected refusals (unknown entry, a workflow or agent gone) are error values.
 */
export async function replayDlqEntry(
  deps: ReplayDeps,
  entryId: string,
  mode: DlqReplayMode,
): Promise<Result<ReplayOutcome, WeftError>> {
  const entry = await getDlqEntry(deps.db, entryId);
  if (!entry) return err(new WeftError('NOT_FOUND', `dlq entry '${entryId}' not found`));
  if (entry.status === 'replayed')
    return ok({ outcome: 'skipped', entry, run_id: entry.replay_run_id, reason: 'already replayed' });
  if (mode === 'step') return redriveStep(deps, entry);
  const prepared = await prepareStartRun(deps, {
    workflow_id: entry.workflow_id,
    version: entry.version,
    input: entry.run_input ?? {},
    idempotency_key: replayIdempotencyKey(entry.entry_id),
  });
  if (!prepared.ok) return prepared;
  const command = prepared.value;
  await deps.log.produce([startRunRecord(command, deps.topics)]);
  const marked = await markDlqEntryReplayed(deps.db, entry.entry_id, {
    mode,
    run_id: command.run_id,
    at: deps.now().toISOString(),
  });
  if (marked) return ok({ outcome: 'replayed', entry: marked, run_id: command.run_id });
  // Another replay marked it first (it started the same run), or it was deleted meanwhile.
  const now = await getDlqEntry(deps.db, entry.entry_id);
  if (!now) return err(new WeftError('NOT_FOUND', `dlq entry '${entryId}' not found`));
  return ok({ outcome: 'skipped', entry: now, run_id: now.replay_run_id, reason: 'already replayed' });
}

/** Largest RedriveStep command sent (Kafka's default record limit is 1 MB). */
export const MAX_REDRIVE_BYTES = 900_000;

/**
 * Mode `step`: send RedriveStep for the entry's step of its own run. Refused here (ILLEGAL_STATE,
 * 409) when the projection shows the run is not FAILED or failed at another step; the reducer checks
 * the same against the run's own state and records a CommandRejected if they disagree. The command
 * carries the entry id, so re-driving an entry twice runs the step once.
 */
async function redriveStep(deps: ReplayDeps, entry: DlqEntry): Promise<Result<ReplayOutcome, WeftError>> {
  const run = await getRun(deps.db, entry.run_id);
  if (!run) return err(new WeftError('ILLEGAL_STATE', `run ${entry.run_id} of this entry no longer exists`));
  if (run.status !== 'FAILED')
    return err(
      new WeftError(
        'ILLEGAL_STATE',
        `run ${run.run_id} is ${run.status}: only the failed step of a FAILED run can be re-driven`,
      ),
    );
  const failedAt = stepPathOf(run.error);
  if (failedAt !== entry.step_path)
    return err(
      new WeftError(
        'ILLEGAL_STATE',
        `step ${entry.step_path} is not the step that failed run ${run.run_id} (it failed at ${failedAt ?? 'no step'}); replay as a new run instead`,
      ),
    );
  const history = await runHistory(deps, run.run_id);
  if (!history.ok) return history;
  const command: RedriveStep = {
    type: 'RedriveStep',
    run_id: run.run_id,
    command_id: `redrive:${entry.entry_id}`,
    step_path: entry.step_path,
    entry_id: entry.entry_id,
    history: history.value,
    requested_at: deps.now().toISOString(),
  };
  const value = JSON.stringify(command);
  if (value.length > MAX_REDRIVE_BYTES)
    return err(
      new WeftError(
        'ILLEGAL_STATE',
        `run ${run.run_id} has too long a history to re-drive a step (${value.length} bytes); replay as a new run instead`,
      ),
    );
  await deps.log.produce([
    { topic: deps.topics.commands, key: run.run_id, value, headers: jsonHeaders(run.run_id) },
  ]);
  const marked = await markDlqEntryReplayed(deps.db, entry.entry_id, {
    mode: 'step',
    run_id: run.run_id,
    at: deps.now().toISOString(),
  });
  if (marked) return ok({ outcome: 'replayed', entry: marked, run_id: run.run_id });
  const now = await getDlqEntry(deps.db, entry.entry_id);
  if (!now) return err(new WeftError('NOT_FOUND', `dlq entry '${entry.entry_id}' not found`));
  return ok({ outcome: 'skipped', entry: now, run_id: now.replay_run_id, reason: 'already replayed' });
}

function stepPathOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('step_path' in error)) return undefined;
  return typeof error.step_path === 'string' ? error.step_path : undefined;
}

/** The run's whole event stream from the projection, checked against the event schema. */
async function runHistory(deps: ReplayDeps, runId: string): Promise<Result<RunEvent[], WeftError>> {
  const events: RunEvent[] = [];
  let cursor: string | null = null;
  do {
    const page = await listRunEvents(deps.db, runId, { limit: 1000, cursor });
    for (const row of page.items) {
      const parsed = RunEventSchema.safeParse({
        run_id: row.run_id,
        seq: row.seq,
        type: row.type,
        data: row.data,
        recorded_at: row.recorded_at,
        ...(row.step_path !== null ? { step_path: row.step_path } : {}),
      });
      if (!parsed.success)
        return err(new WeftError('ILLEGAL_STATE', `event ${row.seq} of run ${runId} cannot be re-read`));
      events.push(parsed.data);
    }
    if (events.length > MAX_REDRIVE_HISTORY)
      return err(
        new WeftError(
          'ILLEGAL_STATE',
          `run ${runId} has more than ${MAX_REDRIVE_HISTORY} events: too many to re-drive a step; replay as a new run instead`,
        ),
      );
    cursor = page.next_cursor;
  } while (cursor !== null);
  return ok(events);
}
