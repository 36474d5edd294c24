import { Kafka, type Admin, type Producer } from 'kafkajs';
import { HEADERS, silentLogger, WeftError, type Logger } from '@weft/contracts';
import type {
  BatchHandler,
  ConsumerHandle,
  ConsumerOptions,
  EventLog,
  OutgoingRecord,
  TransactionalBatchHandler,
} from '../event-log.port';
import {
  defaultConsumerTuning,
  startBatchConsumer,
  type ConsumerTuning,
  type PartitionBatchProcessor,
  type UnusableMessage,
} from './kafka-batch-consumer';
import { readCompactedTopic } from './kafka-compacted-reader';
import { kafkaLogCreator, kafkaLogLevels, type KafkaLogLevel } from './kafka-logger';
import { cacheCoordinatorLookups } from './kafka-coordinator-cache';
import { keyedPartitioner, topicMessages } from './kafka-records';
import { TopicEnsurer } from './kafka-topics';
import { TransactionalProducers } from './kafka-transactions';

export interface KafkaEventLogOptions {
  /** `host:port` of the bootstrap brokers (the `KAFKA_BROKERS` setting, split on commas). */
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Topics created with `cleanup.policy=compact`; tombstones (`value: null`) only go there. */
  readonly compactedTopics?: readonly string[];
  /** Partitions of the topics this log creates on first use. Default 3. */
  readonly partitions?: number;
  /** Replication factor of the topics this log creates. Default: the broker's. */
  readonly replicationFactor?: number;
  /**
   * Prefix of transactional ids (`<prefix>.<groupId>.<topic>.<partition>`). Default `clientId`.
   * Must be the same in every instance of one service, so a new owner of a partition fences the old.
   */
  readonly transactionalIdPrefix?: string;
  readonly logger?: Logger;
  /** What kafkajs itself logs to `logger`. Default 'error'. */
  readonly kafkaLogLevel?: KafkaLogLevel;
  /** Timestamps of produced records. */
  readonly now?: () => Date;
  readonly consumer?: Partial<ConsumerTuning>;
  /** Retries of kafkajs requests (metadata, admin, consumers); the idempotent producers always retry. */
  readonly retry?: {
    readonly retries?: number;
    readonly initialRetryTimeMs?: number;
    readonly maxRetryTimeMs?: number;
  };
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  /** `readCompacted` gives up (UNAVAILABLE) after this long. Default 60 s. */
  readonly readCompactedTimeoutMs?: number;
}

/**
 * The production event log on Kafka (kafkajs). Topics are created on first use. Records are
 * partitioned by key with the Java-compatible murmur2 partitioner, so one key keeps its order; an
 * idempotent producer (acks=all, one request in flight) appends. Consumers are consumer-group
 * members that read committed records, one batch per partition at a time.
 */
export async function openKafkaEventLog(options: KafkaEventLogOptions): Promise<EventLog> {
  const logger = (options.logger ?? silentLogger).child({ component: 'kafka-event-log' });
  cacheCoordinatorLookups();
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: kafkaLogLevels[options.kafkaLogLevel ?? 'error'],
    logCreator: kafkaLogCreator(logger),
    ...(options.connectionTimeoutMs === undefined ? {} : { connectionTimeout: options.connectionTimeoutMs }),
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeout: options.requestTimeoutMs }),
    retry: {
      retries: options.retry?.retries ?? 5,
      initialRetryTime: options.retry?.initialRetryTimeMs ?? 300,
      maxRetryTime: options.retry?.maxRetryTimeMs ?? 30_000,
    },
  });
  const admin = kafka.admin();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: keyedPartitioner,
  });
  try {
    await admin.connect();
    await producer.connect();
  } catch (cause) {
    await Promise.allSettled([producer.disconnect(), admin.disconnect()]);
    throw new WeftError('UNAVAILABLE', `Kafka is not reachable at ${options.brokers.join(',')}`, {
      cause,
      retryable: true,
    });
  }
  return new KafkaEventLog(kafka, admin, producer, logger, options);
}

/**
 * Transactional consumers process the batches of up to this many partitions at once: each input
 * partition has its own transactional producer and transaction, so one partition's commit round
 * trips do not hold up the others'. Plain consumers take one batch at a time.
 */
const TRANSACTIONAL_PARTITIONS_AT_ONCE = 16;

class KafkaEventLog implements EventLog {
  readonly #kafka: Kafka;
  readonly #admin: Admin;
  readonly #producer: Producer;
  readonly #logger: Logger;
  readonly #topics: TopicEnsurer;
  readonly #tuning: ConsumerTuning;
  readonly #now: () => Date;
  readonly #transactionalIdPrefix: string;
  readonly #waiting: {
    records: readonly OutgoingRecord[];
    resolve: () => void;
    reject: (e: unknown) => void;
  }[] = [];
  /** The send loop while it runs; `close()` waits for it, so queued appends are not dropped. */
  #sending: Promise<void> | undefined;
  readonly #clientId: string;
  readonly #readCompactedTimeoutMs: number;
  readonly #consumers = new Set<ConsumerHandle>();
  #closed: Promise<void> | undefined;

  constructor(kafka: Kafka, admin: Admin, producer: Producer, logger: Logger, options: KafkaEventLogOptions) {
    this.#kafka = kafka;
    this.#admin = admin;
    this.#producer = producer;
    this.#logger = logger;
    this.#topics = new TopicEnsurer(admin, {
      compacted: new Set(options.compactedTopics ?? []),
      partitions: options.partitions ?? 3,
      replicationFactor: options.replicationFactor,
    });
    this.#tuning = { ...defaultConsumerTuning, ...options.consumer };
    this.#now = options.now ?? (() => new Date());
    this.#clientId = options.clientId;
    this.#transactionalIdPrefix = options.transactionalIdPrefix ?? options.clientId;
    this.#readCompactedTimeoutMs = options.readCompactedTimeoutMs ?? 60_000;
  }

  /**
   * Appends asked for while a send is in flight go together in the next `sendBatch` (the idempotent
   * producer has one request in flight anyway); each call resolves once its own records are acked.
   */
  produce(records: readonly OutgoingRecord[]): Promise<void> {
    this.#assertOpen();
    if (records.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiting.push({ records, resolve, reject });
      this.#sending ??= this.#sendWaiting();
    });
  }

  async #sendWaiting(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        const group = this.#waiting.splice(0, groupSize(this.#waiting));
        try {
          await this.#send(group.flatMap((p) => p.records));
          for (const p of group) p.resolve();
        } catch (e) {
          if (group.length === 1) {
            group[0]!.reject(e);
            continue;
          }
          // One caller's records may be what failed: each on its own, so only that one fails.
          for (const p of group) await this.#send(p.records).then(p.resolve, p.reject);
        }
      }
    } finally {
      // In the same turn as the last check of the queue: an append queued later starts a new loop.
      this.#sending = undefined;
    }
  }

  async #send(records: readonly OutgoingRecord[]): Promise<void> {
    await this.#topics.ensureFor(records);
    try {
      await this.#producer.sendBatch({ acks: -1, topicMessages: topicMessages(records, this.#now()) });
    } catch (cause) {
      const topics = [...new Set(records.map((r) => r.topic))].join(', ');
      throw new WeftError('UNAVAILABLE', `producing to ${topics} failed`, { cause, retryable: true });
    }
  }

  consume(
    options: ConsumerOptions & { readonly autoCommit?: boolean },
    handler: BatchHandler,
  ): Promise<ConsumerHandle> {
    return this.#start(options, async (batch, ctx) => {
      // What a consumer fetches was acknowledged by every in-sync replica: durable already.
      await handler(batch, { signal: ctx.signal, commit: ctx.commit, durable: async () => {} });
      if (options.autoCommit !== false && !ctx.signal.aborted) await ctx.commit(ctx.coveredOffset);
    });
  }

  consumeTransactional(
    options: ConsumerOptions,
    handler: TransactionalBatchHandler,
  ): Promise<ConsumerHandle> {
    const producers = new TransactionalProducers(
      this.#kafka,
      this.#transactionalIdPrefix,
      options.groupId,
      this.#logger,
    );
    return this.#start(
      options,
      async (batch, ctx) => {
        // Begun before the handler runs, so this member fences the partition's previous owner first.
        const transaction = await producers.begin(batch.topic, batch.partition);
        const out: OutgoingRecord[] = [];
        try {
          await handler(batch, { send: (records) => void out.push(...records) });
          await this.#topics.ensureFor(out);
        } catch (error) {
          await transaction.abort();
          throw error;
        }
        await transaction.commit(out, ctx.coveredOffset + 1, this.#now());
      },
      () => producers.close(),
      TRANSACTIONAL_PARTITIONS_AT_ONCE,
    );
  }

  async readCompacted(topic: string): Promise<Map<string, string>> {
    this.#assertOpen();
    await this.#topics.ensure([topic]);
    return readCompactedTopic(
      {
        kafka: this.#kafka,
        admin: this.#admin,
        logger: this.#logger,
        tuning: this.#tuning,
        groupIdPrefix: this.#clientId,
        timeoutMs: this.#readCompactedTimeoutMs,
      },
      topic,
    );
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await Promise.all([...this.#consumers].map((c) => c.stop()));
      await this.#sending;
      await Promise.allSettled([this.#producer.disconnect(), this.#admin.disconnect()]);
    })();
    return this.#closed;
  }

  /**
   * Unusable messages to the dead-letter topic as they came (bytes, key, headers), with the reason
   * and origin in headers like `deadLetterRecord`. At least once: a batch delivered again after a
   * failure parks them again.
   */
  async #park(
    deadLetters: string,
    topic: string,
    partition: number,
    unusable: UnusableMessage[],
  ): Promise<void> {
    this.#logger.warn(
      { topic, partition, offsets: unusable.map((u) => u.message.offset), dead_letter_topic: deadLetters },
      'parking Kafka records that are not event log records',
    );
    try {
      await this.#producer.send({
        topic: deadLetters,
        acks: -1,
        messages: unusable.map(({ message, reason }) => ({
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            [HEADERS.deadLetterReason]: reason,
            [HEADERS.deadLetterTopic]: topic,
            [HEADERS.deadLetterPartition]: String(partition),
            [HEADERS.deadLetterOffset]: message.offset,
          },
        })),
      });
    } catch (cause) {
      throw new WeftError('UNAVAILABLE', `parking records on ${deadLetters} failed`, {
        cause,
        retryable: true,
      });
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new WeftError('ILLEGAL_STATE', 'event log is closed');
  }

  async #start(
    options: ConsumerOptions,
    process: PartitionBatchProcessor,
    onStopped: () => Promise<void> = async () => {},
    partitionsConsumedConcurrently = 1,
  ): Promise<ConsumerHandle> {
    this.#assertOpen();
    for (const topic of options.topics) {
      if (this.#topics.isCompacted(topic)) {
        throw new WeftError('ILLEGAL_STATE', `topic ${topic} is compacted: read it with readCompacted`);
      }
    }
    await this.#topics.ensure(options.topics);
    const deadLetters = options.deadLetterTopic;
    if (deadLetters !== undefined) await this.#topics.ensure([deadLetters]);
    const inner = await startBatchConsumer(
      { kafka: this.#kafka, logger: this.#logger, tuning: this.#tuning, partitionsConsumedConcurrently },
      options,
      process,
      onStopped,
      deadLetters === undefined
        ? undefined
        : (topic, partition, unusable) => this.#park(deadLetters, topic, partition, unusable),
    );
    const handle: ConsumerHandle = {
      stop: async () => {
        await inner.stop();
        this.#consumers.delete(handle);
      },
    };
    this.#consumers.add(handle);
    return handle;
  }
}

/** Records one grouped `sendBatch` takes at most (a single larger append still goes alone). */
const MAX_GROUPED_RECORDS = 1_000;

/** How many of the waiting appends go in the next `sendBatch`: at least one, then up to the cap. */
function groupSize(waiting: readonly { readonly records: readonly OutgoingRecord[] }[]): number {
  let records = 0;
  let count = 0;
  for (const w of waiting) {
    if (count > 0 && records + w.records.length > MAX_GROUPED_RECORDS) break;
    records += w.records.length;
    count++;
  }
  return count;
}
