import { decodeEvent, silentLogger, type Logger, type RunEvent, type Topics } from '@weft/contracts';
import {
  deadLetterRecord,
  type ConsumerHandle,
  type EventLog,
  type OutgoingRecord,
  type RecordBatch,
} from '@weft/eventlog';
import type { Database } from '@weft/store';
import type { Kysely } from 'kysely';
import { applyEventEffects, eventKey, markApplied, recordEvents } from './apply-event';

export interface ProjectionWriterOptions {
  readonly log: EventLog;
  readonly topics: Topics;
  readonly db: Kysely<Database>;
  readonly logger?: Logger;
  readonly groupId?: string;
  /** Called after each batch is committed with the events applied (push notifications, metrics). */
  readonly onApplied?: (events: readonly RunEvent[]) => void;
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
    const applied: RunEvent[] = [];
    await db.transaction().execute(async (trx) => {
      const last = new Map<string, RunEvent>();
      // The batch's event rows in one statement per 500; the effects of those new, in order.
      const recorded = await recordEvents(trx, events);
      for (const event of events) {
        // delete: an event twice in one batch (a producer retry) has its effects applied once.
        if (recorded.delete(eventKey(event))) {
          await applyEventEffects(trx, event);
          applied.push(event);
          last.set(event.run_id, event);
        }
      }
      for (const event of last.values()) await markApplied(trx, event.run_id, event.seq, event.recorded_at);
    });
    if (applied.length > 0) options.onApplied?.(applied);
  }

  return {
    async start() {
      consumer = await log.consume(
        {
          groupId: options.groupId ?? PROJECTION_WRITER_GROUP,
          topics: [topics.events],
          deadLetterTopic: topics.deadLetters,
          maxBatchSize: 500,
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
