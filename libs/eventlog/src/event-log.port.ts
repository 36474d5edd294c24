/**
 * The event log port: ordered-per-key streams, consumer groups with committed positions, and a
 * transactional consume → produce → commit for the step scheduler. Adapters: Kafka (production) and
 * embedded (in the embedded database). Values are UTF-8 JSON text; consumers validate them.
 */
export interface OutgoingRecord {
  readonly topic: string;
  readonly key: string;
  /** JSON text; `null` on a compacted topic deletes the key (a tombstone). */
  readonly value: string | null;
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Partition the record as if its key were this (default: its key). Records of one entity under
   * several keys (a run's state and its deltas) stay in one partition, so what one transactional
   * producer wrote is read back together, in its order.
   */
  readonly partitionKey?: string;
}

export interface LogRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
  /** ISO timestamp of the append. */
  readonly timestamp: string;
}

export interface RecordBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly LogRecord[];
}

export interface ConsumerOptions {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed position starts: true = earliest (default), false = latest. */
  readonly fromBeginning?: boolean;
  readonly maxBatchSize?: number;
  /**
   * Where records the log cannot hand to the handler as text are parked (Kafka only: a value or key
   * that is not UTF-8, or a null value on a stream; the embedded log stores text, so it has none):
   * original bytes and headers, with the reason and origin in `x-dead-letter-*` headers, before the
   * position moves past them. Unset: they are skipped with a warning.
   */
  readonly deadLetterTopic?: string;
  /**
   * Wait this long before each fetch, so records arriving meanwhile join the batch: fewer, larger
   * batches and fewer wake-ups, for this much more latency. On Kafka, each fetch waits at the
   * broker for up to this long unless a large amount (1 MiB) is there. Default 0.
   */
  readonly lingerMs?: number;
  /**
   * Cut the linger short as soon as a record this says yes to is there to be read (say, a run's
   * last event, which a client is waiting to see projected): batches still form under load, and
   * the records someone waits for are not held back. Called once per record, on its headers and
   * key (the value unparsed). Embedded log only, like `lingerMs`.
   */
  readonly lingerUnless?: (record: LogRecord) => boolean;
  /**
   * Cut the linger short once this many records are there to read: a batch that is already large
   * gains little from waiting (Kafka's `fetch.min.bytes`, counted in records). Embedded log only.
   */
  readonly lingerMinRecords?: number;
  /**
   * Hand this consumer records as soon as they are written, before they are durable (the embedded
   * file log's fsync), and let a transactional batch's handler go on to the next batch once its
   * own records are written. Safe only for consumers whose effects are either records in the same
   * log (written after what they read, so durable only if it is) or calls that are repeated
   * idempotently after a crash (agent calls); never for effects in another store (projections,
   * timers). Default false: records are handed over once durable. Kafka ignores it.
   */
  readonly beforeDurable?: boolean;
}

export interface BatchContext {
  /**
   * Commit the group's position on this batch's partition: everything up to and including `offset`
   * is done. With `autoCommit` (default) the log commits the whole batch after the handler resolves.
   */
  commit(offset: number): Promise<void>;
  /**
   * Resolves once every record of this batch is durable: at once, unless the consumer reads
   * `beforeDurable` and the batch's records are still waiting for their fsync. Rejects if the log
   * cannot make them durable (it has failed, or closed first). A consumer with effects in another
   * store can do its work as soon as records are written and commit it only after this resolves.
   */
  durable(): Promise<void>;
  /** Aborted when the consumer is stopping: long work should end early and not commit. */
  readonly signal: AbortSignal;
}

export interface TransactionContext {
  /** Records to append atomically with the consumed batch's position. */
  send(records: readonly OutgoingRecord[]): void;
}

export interface ConsumerHandle {
  /** Stop fetching, let the handler in progress finish, leave the group. Idempotent. */
  stop(): Promise<void>;
}

export type BatchHandler = (batch: RecordBatch, ctx: BatchContext) => Promise<void>;
export type TransactionalBatchHandler = (batch: RecordBatch, tx: TransactionContext) => Promise<void>;

export interface EventLog {
  /** Append records; resolves once they are durable. Records of one key keep their order. */
  produce(records: readonly OutgoingRecord[]): Promise<void>;
  /** At-least-once consumer: a batch whose position is not committed is delivered again after a restart. */
  consume(
    options: ConsumerOptions & { readonly autoCommit?: boolean },
    handler: BatchHandler,
  ): Promise<ConsumerHandle>;
  /**
   * Exactly-once consume → produce: what the handler sends and the batch's consumed position are
   * written in one transaction. If the handler throws, nothing is written and the batch is redelivered.
   * Batches of different partitions may be handled at once (one at a time per partition).
   */
  consumeTransactional(options: ConsumerOptions, handler: TransactionalBatchHandler): Promise<ConsumerHandle>;
  /** The latest value of every key of a compacted topic (tombstoned keys absent). */
  readCompacted(topic: string): Promise<Map<string, string>>;
  /** Stop every consumer and release resources. Idempotent. */
  close(): Promise<void>;
}
