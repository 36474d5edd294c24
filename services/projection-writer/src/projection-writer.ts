import { silentLogger, type Logger, type Topics } from '@weft/contracts';
import {
  deadLetterRecord,
  type BatchContext,
  type ConsumerHandle,
  type EventLog,
  type LogRecord,
  type RecordBatch,
} from '@weft/eventlog';
import { callOn, type Database, type DatabaseCall, type Run } from '@weft/store';
import type { Kysely } from 'kysely';
import { projectRecords } from './project-records';

export interface ProjectionWriterOptions {
  readonly log: EventLog;
  readonly topics: Topics;
  readonly db: Kysely<Database>;
  /**
   * Where each batch is applied: `Store.call` of the store `db` belongs to, so that in the embedded
   * engine batches are applied on PGlite's worker thread. Default: on `db`, here.
   */
  readonly call?: DatabaseCall;
  readonly logger?: Logger;
  readonly groupId?: string;
  /**
   * Wait this long before each fetch of events, so more join each batch (see `ConsumerOptions`):
   * fewer projection transactions, each run's projection this much later. Default 0.
   */
  readonly lingerMs?: number;
  /** Events not to hold back for the linger (see `ConsumerOptions.lingerUnless`). */
  readonly lingerUnless?: (record: LogRecord) => boolean;
  /** No linger once this many events wait (see `ConsumerOptions.lingerMinRecords`). */
  readonly lingerMinRecords?: number;
  /**
   * Take events as soon as they are written (`ConsumerOptions.beforeDurable`) and apply them at
   * once, committing each batch's transaction only when its records are durable
   * (`BatchContext.durable`): the work overlaps the log's fsync, and a crash before it forgets
   * both. The transaction holds the database meanwhile (PGlite runs one at a time), so other
   * statements may wait up to one fsync. Default false (events are read once durable).
   */
  readonly beforeDurable?: boolean;
  /**
   * Called after each batch is committed with the rows of the runs it ended, read in its
   * transaction (one statement per batch): clients waiting for those runs are answered with them.
   */
  readonly onRunsEnded?: (runs: readonly Run[]) => void;
}

export interface ProjectionWriter {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export const PROJECTION_WRITER_GROUP = 'projection-writer';

/**
 * Events → Postgres tables (runs, step executions, events). A batch is applied in one transaction;
 * the log position is committed after it, and re-applying an event is a no-op, so a crash between
 * the two loses and duplicates nothing.
 */
export function createProjectionWriter(options: ProjectionWriterOptions): ProjectionWriter {
  const { log, topics, db } = options;
  const call: DatabaseCall = options.call ?? callOn(db);
  const logger = options.logger ?? silentLogger;
  let consumer: ConsumerHandle | undefined;

  async function onBatch(batch: RecordBatch, ctx: BatchContext): Promise<void> {
    // The batch's event rows, then the effects of those new, set-based: a handful of statements,
    // run where the database is. Records that are not events are dead-lettered after the batch
    // commits: a crash in between redelivers the batch, applies nothing twice and rejects them again.
    const { ended, rejected } = await call(
      projectRecords,
      {
        values: batch.records.map((record) => record.value),
        endedRuns: options.onRunsEnded !== undefined,
      },
      options.beforeDurable ? { commitAfter: ctx.durable() } : {},
    );
    if (rejected.length > 0) {
      logger.warn({ count: rejected.length }, 'events dead-lettered');
      await log.produce(
        rejected.map(({ index, reason }) =>
          deadLetterRecord(batch.records[index]!, reason, topics.deadLetters),
        ),
      );
    }
    if (ended.length > 0) options.onRunsEnded?.(ended);
  }

  return {
    async start() {
      // An empty batch first: where batches run on another thread, their code is loaded there now,
      // and a failure to load stops the start rather than every batch.
      await call(projectRecords, { values: [], endedRuns: false });
      consumer = await log.consume(
        {
          groupId: options.groupId ?? PROJECTION_WRITER_GROUP,
          topics: [topics.events],
          deadLetterTopic: topics.deadLetters,
          maxBatchSize: 500,
          ...(options.lingerMs ? { lingerMs: options.lingerMs } : {}),
          ...(options.lingerUnless ? { lingerUnless: options.lingerUnless } : {}),
          ...(options.lingerMinRecords ? { lingerMinRecords: options.lingerMinRecords } : {}),
          ...(options.beforeDurable ? { beforeDurable: true } : {}),
        },
        onBatch,
      );
      logger.info({}, 'projection writer started');
    },
    async stop() {
      await consumer?.stop();
      consumer = undefined;
    },
  };
}
