import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { WeftError, type Logger } from '@weft/contracts';
import type { ConsumerHandle, ConsumerOptions, LogRecord, RecordBatch } from '../event-log.port';
import { recordFromKafka } from './kafka-records';

export interface ConsumerTuning {
  /** The broker drops a member it has not heard from for this long (kafkajs default 30 s). */
  readonly sessionTimeoutMs: number;
  /** Heartbeats, also sent while a handler runs (kafkajs default 3 s). */
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  /** How long a fetch waits for records; also bounds how long `stop()` waits for the fetch in flight. */
  readonly maxWaitTimeMs: number;
  /** Pause before a failed batch is delivered again; doubles per consecutive failure, up to 10 s. */
  readonly retryBackoffMs: number;
}

export const defaultConsumerTuning: ConsumerTuning = {
  sessionTimeoutMs: 30_000,
  heartbeatIntervalMs: 3_000,
  rebalanceTimeoutMs: 60_000,
  maxWaitTimeMs: 1_000,
  retryBackoffMs: 250,
};

const MAX_BACKOFF_MS = 10_000;
/**
 * A lingering consumer's fetch waits for this many bytes or `lingerMs`, whichever comes first:
 * more than a busy engine writes in one linger, so the time is what decides.
 */
const LINGER_MIN_BYTES = 1024 * 1024;
const DEFAULT_MAX_BATCH = 500;

export interface PartitionBatchContext {
  /** Aborted when the consumer stops. */
  readonly signal: AbortSignal;
  /** Commit this partition's position outside any transaction: everything up to `offset` is done. */
  commit(offset: number): Promise<void>;
  /**
   * The offset this batch covers: its last record, or a later offset when records after it were
   * skipped as not ours. Committing it means the whole batch is done.
   */
  readonly coveredOffset: number;
}

/** What a consumer does with one partition's batch; a throw makes the batch come again. */
export type PartitionBatchProcessor = (batch: RecordBatch, ctx: PartitionBatchContext) => Promise<void>;

/** A fetched message that is not an event log record, and why. */
export interface UnusableMessage {
  readonly message: KafkaMessage;
  readonly reason: string;
}

/**
 * Parks a partition's unusable messages (a dead-letter topic) before the position moves past them;
 * a throw makes the batch come again. None: they are skipped with a warning.
 */
export type UnusableMessageSink = (
  topic: string,
  partition: number,
  unusable: UnusableMessage[],
) => Promise<void>;

export interface BatchConsumerDeps {
  readonly kafka: Kafka;
  readonly logger: Logger;
  readonly tuning: ConsumerTuning;
  /** Batches of this many different partitions are processed at once (one per partition). Default 1. */
  readonly partitionsConsumedConcurrently?: number;
}

/**
 * A kafkajs consumer group member that hands the processor one batch per partition (split into
 * `maxBatchSize` pieces). kafkajs runs with `autoCommit: false` and `eachBatchAutoResolve: false`:
 * the processor commits, and the fetch position only moves past a piece once it succeeded. When
 * the processor throws, the consumer seeks back to the piece's first offset, pauses (backoff), and
 * the next fetch delivers the same records again. Consumers read committed records only.
 */
export async function startBatchConsumer(
  deps: BatchConsumerDeps,
  options: ConsumerOptions,
  process: PartitionBatchProcessor,
  onStopped: () => Promise<void> = async () => {},
  park?: UnusableMessageSink,
): Promise<ConsumerHandle> {
  const { kafka, logger, tuning } = deps;
  const log = logger.child({ groupId: options.groupId });
  const abort = new AbortController();
  const maxBatch = Math.max(1, options.maxBatchSize ?? DEFAULT_MAX_BATCH);
  const failures = new Map<string, number>();
  const consumer: Consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: tuning.sessionTimeoutMs,
    heartbeatInterval: tuning.heartbeatIntervalMs,
    rebalanceTimeout: tuning.rebalanceTimeoutMs,
    // A linger is a fetch that waits for a lot (`minBytes`) for at most `lingerMs`: the broker
    // answers with what arrived meanwhile, and the consumer wakes once per linger, not per record.
    ...(options.lingerMs
      ? { minBytes: LINGER_MIN_BYTES, maxWaitTimeInMs: Math.min(options.lingerMs, tuning.maxWaitTimeMs) }
      : { maxWaitTimeInMs: tuning.maxWaitTimeMs }),
    allowAutoTopicCreation: false,
    readUncommitted: false,
  });
  consumer.on(consumer.events.CRASH, ({ payload }) =>
    log.error({ err: payload.error, restart: payload.restart }, 'Kafka consumer crashed'),
  );

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { topic, partition, messages } = payload.batch;
    const last = messages[messages.length - 1];
    if (!last) return;
    const key = `${topic}/${partition}`;
    const records: LogRecord[] = [];
    const unusable: UnusableMessage[] = [];
    for (const message of messages) {
      const result = recordFromKafka(topic, partition, message);
      if (result.ok) records.push(result.value);
      else unusable.push({ message, reason: result.error });
    }
    /** Seek back to `first` and pause (growing backoff): the next fetch delivers it again. */
    const redeliver = async (first: string, error: unknown) => {
      const count = (failures.get(key) ?? 0) + 1;
      failures.set(key, count);
      log.warn(
        { err: error, topic, partition, offset: first, failures: count },
        'batch failed; delivering it again',
      );
      consumer.seek({ topic, partition, offset: first });
      const backoff = Math.min(tuning.retryBackoffMs * 2 ** (count - 1), MAX_BACKOFF_MS);
      await sleep(backoff, undefined, { signal: abort.signal }).catch(() => {});
    };
    if (unusable.length > 0) {
      if (park) {
        try {
          await park(topic, partition, unusable);
        } catch (error) {
          await redeliver(messages[0]!.offset, error);
          return;
        }
      } else {
        for (const { message, reason } of unusable)
          log.warn(
            { topic, partition, offset: message.offset, reason },
            'skipping a Kafka record that is not an event log record',
          );
      }
    }
    const commit = (offset: number) =>
      payload.commitOffsetsIfNecessary({
        topics: [{ topic, partitions: [{ partition, offset: String(offset + 1) }] }],
      });
    const batchEnd = Number(last.offset);
    if (records.length === 0) {
      await commit(batchEnd);
      payload.resolveOffset(last.offset);
      return;
    }
    for (let i = 0; i < records.length; i += maxBatch) {
      if (abort.signal.aborted || !payload.isRunning() || payload.isStale()) return;
      const piece = records.slice(i, i + maxBatch);
      const first = piece[0]!.offset;
      const coveredOffset = i + maxBatch >= records.length ? batchEnd : piece[piece.length - 1]!.offset;
      const keepAlive = setInterval(
        () => void payload.heartbeat().catch(() => {}),
        tuning.heartbeatIntervalMs,
      );
      try {
        await process({ topic, partition, records: piece }, { signal: abort.signal, commit, coveredOffset });
      } catch (error) {
        await redeliver(String(first), error);
        return;
      } finally {
        clearInterval(keepAlive);
      }
      failures.delete(key);
      payload.resolveOffset(String(coveredOffset));
    }
  };

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: deps.partitionsConsumedConcurrently ?? 1,
      eachBatch,
    });
  } catch (cause) {
    await consumer.disconnect().catch(() => {});
    await onStopped();
    throw new WeftError('UNAVAILABLE', `could not start Kafka consumer group ${options.groupId}`, {
      cause,
      retryable: true,
    });
  }

  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      (stopped ??= (async () => {
        abort.abort();
        try {
          // Waits for the batch in progress, leaves the group, closes the connections.
          await consumer.disconnect();
        } catch (error) {
          log.warn({ err: error }, 'Kafka consumer did not disconnect cleanly');
        }
        await onStopped();
      })()),
  };
}
