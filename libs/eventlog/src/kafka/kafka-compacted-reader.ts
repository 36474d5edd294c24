import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { WeftError, type Logger } from '@weft/contracts';
import type { ConsumerTuning } from './kafka-batch-consumer';
import { textFromKafka } from './kafka-records';
import { retryWhileRetriable } from './kafka-retry';

export interface CompactedReadDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly logger: Logger;
  readonly tuning: ConsumerTuning;
  /** Prefix of the throwaway group ids. */
  readonly groupIdPrefix: string;
  readonly timeoutMs: number;
}

/**
 * The latest value of every key of a (compacted) topic: read from the beginning up to the end
 * offsets taken when the read starts (the last stable offsets, as consumers read committed), by a
 * throwaway consumer group that commits nothing and is deleted afterwards. Tombstones delete keys.
 * Records appended while reading may be included; each key's value is still the latest read.
 */
export async function readCompactedTopic(
  deps: CompactedReadDeps,
  topic: string,
): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  const ends = new Map<number, number>();
  // A partition whose leader just moved (or a topic just created) answers NOT_LEADER for a moment.
  const offsets = await retryWhileRetriable(Date.now() + deps.timeoutMs, () =>
    deps.admin.fetchTopicOffsets(topic),
  );
  for (const { partition, high, low } of offsets) {
    if (Number(high) > Number(low)) ends.set(partition, Number(high));
  }
  if (ends.size === 0) return values;

  const groupId = `${deps.groupIdPrefix}.read-compacted.${randomUUID()}`;
  const consumer = deps.kafka.consumer({
    groupId,
    sessionTimeout: deps.tuning.sessionTimeoutMs,
    heartbeatInterval: deps.tuning.heartbeatIntervalMs,
    maxWaitTimeInMs: Math.min(deps.tuning.maxWaitTimeMs, 250),
    allowAutoTopicCreation: false,
    readUncommitted: false,
  });
  let reached!: () => void;
  const done = new Promise<void>((resolve) => (reached = resolve));
  const advance = (partition: number, lastOffset: number) => {
    const end = ends.get(partition);
    if (end !== undefined && lastOffset + 1 >= end) ends.delete(partition);
    if (ends.size === 0) reached();
  };
  // Fired after every batch, also those holding only transaction markers or aborted records,
  // which never reach eachBatch but still move the partition towards its end offset.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic === topic) advance(payload.partition, Number(payload.lastOffset));
  });
  const apply = (message: KafkaMessage) => {
    const key = message.key === null ? undefined : textFromKafka(message.key);
    const value = message.value === null ? null : textFromKafka(message.value);
    if (key === undefined || value === undefined) {
      deps.logger.warn(
        { topic, offset: message.offset },
        'skipping a compacted record without a UTF-8 key and value',
      );
    } else if (value === null) values.delete(key);
    else values.set(key, value);
  };

  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => batch.messages.forEach(apply),
    });
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new WeftError(
                'UNAVAILABLE',
                `reading compacted topic ${topic} did not finish in ${deps.timeoutMs} ms`,
                {
                  retryable: true,
                },
              ),
            ),
          deps.timeoutMs,
        );
      }),
    ]);
    return values;
  } finally {
    clearTimeout(timer);
    await consumer
      .disconnect()
      .catch((err: unknown) => deps.logger.warn({ err, groupId }, 'disconnect failed'));
    await deps.admin
      .deleteGroups([groupId])
      .catch((err: unknown) => deps.logger.debug({ err, groupId }, 'throwaway group not deleted'));
  }
}
