import { decodeEvent, RUN_ENDING_EVENT_TYPES, type RunEvent } from '@weft/contracts';
import { databaseFunction, getRunsById, type Run } from '@weft/store';
import { projectBatch } from './batch-projection';

export interface ProjectRecordsArgs {
  /** The records' values (event JSON), in log order. */
  readonly values: readonly string[];
  /** Read back the rows of the runs the batch ended (for `onRunsEnded`). */
  readonly endedRuns: boolean;
}

export interface ProjectRecordsResult {
  /** The rows of the runs the batch ended, as committed (empty unless asked for). */
  readonly ended: readonly Run[];
  /** The values that are not events, by index, with why: for the dead-letter topic. */
  readonly rejected: readonly { readonly index: number; readonly reason: string }[];
}

/**
 * A batch of the events topic, from its records' JSON to the projections, in one transaction: the
 * events are decoded and checked, applied set-based (`projectBatch`), and the rows of the runs
 * the batch ended are read back. The transaction commits once the caller allows it (when the
 * records are durable). A database function: in the embedded engine it runs on PGlite's
 * worker thread, beside the database, so the batch's statements take no round trips between
 * threads and decoding, folding and building statements leave the engine's main thread.
 */
export const projectRecords = databaseFunction(
  import.meta.url,
  'projectRecords',
  async (db, args: ProjectRecordsArgs, ctx): Promise<ProjectRecordsResult> => {
    const events: RunEvent[] = [];
    const rejected: { index: number; reason: string }[] = [];
    args.values.forEach((value, index) => {
      const decoded = decodeEvent(value);
      if (decoded.ok) events.push(decoded.value);
      else rejected.push({ index, reason: decoded.error.message });
    });
    const ended = await db.transaction().execute(async (trx) => {
      const applied = await projectBatch(trx, events);
      const endedIds = new Set(
        applied.filter((e) => RUN_ENDING_EVENT_TYPES.has(e.type)).map((e) => e.run_id),
      );
      const rows = args.endedRuns ? await getRunsById(trx, [...endedIds]) : [];
      // The records may still be on their way to disk: what they did is committed only once they
      // are there (a crash before that forgets both).
      await ctx.commitAllowed();
      return rows;
    });
    return { ended, rejected };
  },
);
