import {
  decodeEvent,
  RUN_ENDING_EVENT_TYPES,
  silentLogger,
  type Logger,
  type RunEvent,
  type Topics,
} from '@weft/contracts';
import {
  deadLetterRecord,
  type ConsumerHandle,
  type EventLog,
  type LogRecord,
  type OutgoingRecord,
  type RecordBatch,
} from '@weft/eventlog';
import { getRunsById, type Database, type Run } from '@weft/store';
import type { Kysely } from 'kysely';
import { projectBatch } from './batch-projection';

export interface ProjectionWriterOptions {
  readonly log: EventLog;
  readonly topics: Topics;
  readonly db: Kysely<Database>;
  readonly logger?: Logger;
  readonly groupId?: string;
  /**
   * Wait this long before each fetch of events, so more join each batch (see `ConsumerOptions`):
   * fewer projection transactions, each run's projection this much later. Default 0.
   */
  readonly lingerMs?: number;
  /** Events not to hold back for the linger (see `ConsumerOptions.lingerUnless`). */
  readonly lingerUnless?: (record: LogRecord) => boolean;
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
  const logger = options.logger ?? silentLogger;
  let consumer: ConsumerHandle | undefined;

  async function onBatch(batch: RecordBatch): Promise<void> {
    const events: RunEvent[] = [];
    const rejected: OutgoingRecord[] = [];
    for (const record of batch.records) {
      const decoded = decodeEvent(record.value);
      if (decoded.ok) events.push(decoded.value);
      else rejected.push(deadLetterRecord(record, decoded.error.message, topics.deadLetters));
    }
    if (rejected.length > 0) {
      logger.warn({ count: rejected.length }, 'events dead-lettered');
      await log.produce(rejected);
    }
    // The batch's event rows, then the effects of those new, set-based: a handful of statements.
    const ended = await db.transaction().execute(async (trx) => {
      const applied = await projectBatch(trx, events);
      if (!options.onRunsEnded) return [];
      const endedIds = new Set(
        applied.filter((e) => RUN_ENDING_EVENT_TYPES.has(e.type)).map((e) => e.run_id),
      );
      return getRunsById(trx, [...endedIds]);
    });
    if (ended.length > 0) options.onRunsEnded?.(ended);
  }

  return {
    async start() {
      consumer = await log.consume(
        {
          groupId: options.groupId ?? PROJECTION_WRITER_GROUP,
          topics: [topics.events],
          deadLetterTopic: topics.deadLetters,
          maxBatchSize: 500,
          ...(options.lingerMs ? { lingerMs: options.lingerMs } : {}),
          ...(options.lingerUnless ? { lingerUnless: options.lingerUnless } : {}),
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
