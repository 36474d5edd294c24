import type { Kafka, Producer, Transaction } from 'kafkajs';
import type { Logger } from '@weft/contracts';
import type { OutgoingRecord } from '../event-log.port';
import { keyedPartitioner, topicMessages } from './kafka-records';

/** A transaction begun for one input partition's batch: commit it with the batch's output, or abort it. */
export interface PartitionTransaction {
  /** Append `records` and move the group's position to `nextOffset` atomically; aborts on failure. */
  commit(records: readonly OutgoingRecord[], nextOffset: number, timestamp: Date): Promise<void>;
  /** Nothing of this transaction becomes visible. */
  abort(): Promise<void>;
}

/**
 * The transactional producers of one consumer-group member, one per input partition.
 *
 * Transactional id = `<prefix>.<groupId>.<topic>.<partition>`: stable for an input partition
 * whichever process owns it. kafkajs's `sendOffsets` sends TxnOffsetCommit without the group's
 * generation (no KIP-447 fencing), so fencing comes from the id: the member that takes a partition
 * over initialises the same transactional id, which bumps its epoch, aborts the previous owner's
 * open transaction and fences that zombie's later commits. A process restart fences its earlier
 * self the same way.
 */
export class TransactionalProducers {
  readonly #kafka: Kafka;
  readonly #prefix: string;
  readonly #groupId: string;
  readonly #logger: Logger;
  readonly #producers = new Map<string, Promise<Producer>>();

  constructor(kafka: Kafka, prefix: string, groupId: string, logger: Logger) {
    this.#kafka = kafka;
    this.#prefix = prefix;
    this.#groupId = groupId;
    this.#logger = logger;
  }

  transactionalId(topic: string, partition: number): string {
    return `${this.#prefix}.${this.#groupId}.${topic}.${partition}`;
  }

  /**
   * Begin a transaction for a batch of `topic`/`partition`, before its handler runs. The first one
   * initialises the partition's transactional id, which fences the partition's previous owner
   * before this member processes anything of it.
   */
  async begin(topic: string, partition: number): Promise<PartitionTransaction> {
    const id = this.transactionalId(topic, partition);
    let transaction: Transaction | undefined;
    const fail = async (error: unknown): Promise<never> => {
      if (transaction?.isActive()) {
        await transaction.abort().catch((e: unknown) => this.#logger.warn({ err: e, id }, 'abort failed'));
      }
      // A fenced or confused producer is replaced: the next batch initialises the id again.
      await this.#drop(id);
      throw error;
    };
    try {
      transaction = await (await this.#producer(id)).transaction();
    } catch (error) {
      return fail(error);
    }
    const open = transaction;
    return {
      commit: async (records, nextOffset, timestamp) => {
        try {
          if (records.length > 0) {
            await open.sendBatch({ acks: -1, topicMessages: topicMessages(records, timestamp) });
          }
          await open.sendOffsets({
            consumerGroupId: this.#groupId,
            topics: [{ topic, partitions: [{ partition, offset: String(nextOffset) }] }],
          });
          await open.commit();
        } catch (error) {
          await fail(error);
        }
      },
      abort: async () => {
        if (!open.isActive()) return;
        try {
          await open.abort();
        } catch (error) {
          await fail(error);
        }
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#producers.keys()].map((id) => this.#drop(id)));
  }

  #producer(id: string): Promise<Producer> {
    let producer = this.#producers.get(id);
    if (!producer) {
      producer = (async () => {
        const p = this.#kafka.producer({
          transactionalId: id,
          idempotent: true,
          maxInFlightRequests: 1,
          transactionTimeout: 30_000,
          // Retried without end, as an idempotent producer is by default, but first after 10 ms
          // rather than the client's 300: a batch that follows its partition's previous commit
          // within the few ms the broker takes to write that commit's markers is refused with
          // CONCURRENT_TRANSACTIONS, and waiting 300 ms for that stalls every partition's batches.
          retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 10 },
          allowAutoTopicCreation: false,
          createPartitioner: keyedPartitioner,
        });
        await p.connect();
        return p;
      })();
      this.#producers.set(id, producer);
      producer.catch(() => this.#producers.delete(id));
    }
    return producer;
  }

  async #drop(id: string): Promise<void> {
    const producer = this.#producers.get(id);
    this.#producers.delete(id);
    if (!producer) return;
    try {
      await (await producer).disconnect();
    } catch {
      // Connecting failed or the connection is gone already: nothing to release.
    }
  }
}
