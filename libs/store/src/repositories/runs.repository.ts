import type { Selectable } from 'kysely';
import type { WorkflowRunsTable } from '../schema/database';
import { isUuid } from './cursor';
import type { Executor } from './executor';
import { checkLimit, cursorKey, toPage, type Page, type PageRequest } from './page';

export type Run = Selectable<WorkflowRunsTable>;

export interface RunFilter extends PageRequest {
  readonly workflow_id?: string;
  readonly status?: string;
  /** Children of a run. */
  readonly parent_run_id?: string;
}

/** `undefined` for an unknown run, including an id that is not a UUID. */
export async function getRun(db: Executor, runId: string): Promise<Run | undefined> {
  if (!isUuid(runId)) return undefined;
  return db.selectFrom('workflow_runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
}

/** The runs of these ids that exist, in no particular order. */
export async function getRunsById(db: Executor, runIds: readonly string[]): Promise<Run[]> {
  const ids = runIds.filter(isUuid);
  if (ids.length === 0) return [];
  return db.selectFrom('workflow_runs').selectAll().where('run_id', 'in', ids).execute();
}

/** Runs newest first (`created_at desc, run_id desc`). */
export async function listRuns(db: Executor, filter: RunFilter): Promise<Page<Run>> {
  const limit = checkLimit(filter.limit);
  const after = cursorKey(filter.cursor, ['timestamp', 'uuid']);
  if (filter.parent_run_id !== undefined && !isUuid(filter.parent_run_id))
    return { items: [], next_cursor: null };
  let query = db.selectFrom('workflow_runs').selectAll();
  if (filter.workflow_id !== undefined) query = query.where('workflow_id', '=', filter.workflow_id);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.parent_run_id !== undefined) query = query.where('parent_run_id', '=', filter.parent_run_id);
  if (after !== undefined) {
    query = query.where((eb) => eb(eb.refTuple('created_at', 'run_id'), '<', eb.tuple(after[0], after[1])));
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('run_id', 'desc')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (r) => [r.created_at, r.run_id]);
}
