import type { Selectable } from 'kysely';
import type { StepExecutionsTable } from '../schema/database';
import { isUuid } from './cursor';
import type { Executor } from './executor';
import { checkLimit, cursorKey, toPage, type Page } from './page';

export type StepExecution = Selectable<StepExecutionsTable>;

export interface StepPageRequest {
  /** Omitted: every step of the run, in one page. */
  readonly limit?: number;
  readonly cursor?: string | null;
}

/** A run's step executions in the order they started (`seq_started`, then `step_path`). */
export async function listStepExecutions(
  db: Executor,
  runId: string,
  page: StepPageRequest = {},
): Promise<Page<StepExecution>> {
  const limit = page.limit === undefined ? undefined : checkLimit(page.limit);
  const after = cursorKey(page.cursor, ['integer', 'string']);
  if (!isUuid(runId)) return { items: [], next_cursor: null };
  let query = db.selectFrom('step_executions').selectAll().where('run_id', '=', runId);
  if (after !== undefined) {
    query = query.where((eb) =>
      eb(eb.refTuple('seq_started', 'step_path'), '>', eb.tuple(after[0], after[1])),
    );
  }
  query = query.orderBy('seq_started').orderBy('step_path');
  if (limit === undefined) return { items: await query.execute(), next_cursor: null };
  const rows = await query.limit(limit + 1).execute();
  return toPage(rows, limit, (s) => [s.seq_started, s.step_path]);
}
