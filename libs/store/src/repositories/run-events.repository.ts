import type { Selectable } from 'kysely';
import { WeftError } from '@weft/contracts';
import type { RunEventsTable } from '../schema/database';
import { isUuid } from './cursor';
import type { Executor } from './executor';
import { checkLimit, cursorKey, toPage, type Page, type PageRequest } from './page';

export type RunEvent = Selectable<RunEventsTable>;

export interface RunEventsRequest extends PageRequest {
  /** Only events with `seq > afterSeq` (combined with the cursor: the later position wins). */
  readonly afterSeq?: number;
}

/** A run's events in `seq` order. */
export async function listRunEvents(
  db: Executor,
  runId: string,
  request: RunEventsRequest,
): Promise<Page<RunEvent>> {
  const limit = checkLimit(request.limit);
  if (request.afterSeq !== undefined && !Number.isSafeInteger(request.afterSeq)) {
    throw new WeftError('VALIDATION_FAILED', 'afterSeq must be an integer', {
      details: [{ pointer: '/after_seq', message: 'must be an integer' }],
    });
  }
  const after = Math.max(request.afterSeq ?? 0, cursorKey(request.cursor, ['integer'])?.[0] ?? 0);
  if (!isUuid(runId)) return { items: [], next_cursor: null };
  const rows = await db
    .selectFrom('run_events')
    .selectAll()
    .where('run_id', '=', runId)
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (e) => [e.seq]);
}
