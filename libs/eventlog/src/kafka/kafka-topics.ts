import type { Admin } from 'kafkajs';
import { WeftError } from '@weft/contracts';
import type { OutgoingRecord } from '../event-log.port';
import { NotReadyYet, retryWhileRetriable } from './kafka-retry';

export interface TopicSettings {
  /** Topics created with `cleanup.policy=compact`; the only ones that take tombstones. */
  readonly compacted: ReadonlySet<string>;
  /** Partitions of topics this log creates. */
  readonly partitions: number;
  /** Replication factor of topics this log creates; undefined = the broker's default. */
  readonly replicationFactor: number | undefined;
}

/**
 * Creates topics on first use (the broker runs with `auto.create.topics.enable=false`). Creating an
 * existing topic is not an error, so several processes may race to create the same topic.
 */
export class TopicEnsurer {
  readonly #admin: Admin;
  readonly #settings: TopicSettings;
  readonly #known = new Map<string, Promise<void>>();

  constructor(admin: Admin, settings: TopicSettings) {
    this.#admin = admin;
    this.#settings = settings;
  }

  isCompacted(topic: string): boolean {
    return this.#settings.compacted.has(topic);
  }

  async ensure(topics: Iterable<string>): Promise<void> {
    await Promise.all([...new Set(topics)].map((topic) => this.#ensureOne(topic)));
  }

  /** Tombstones only on compacted topics, like the embedded log; then make sure the topics exist. */
  async ensureFor(records: readonly OutgoingRecord[]): Promise<void> {
    for (const r of records) {
      if (r.value === null && !this.isCompacted(r.topic)) {
        throw new WeftError('VALIDATION_FAILED', `tombstone on topic ${r.topic}, which is not compacted`);
      }
    }
    await this.ensure(records.map((r) => r.topic));
  }

  #ensureOne(topic: string): Promise<void> {
    let known = this.#known.get(topic);
    if (!known) {
      known = this.#create(topic);
      this.#known.set(topic, known);
      // A failed creation is retried by the next caller.
      known.catch(() => this.#known.delete(topic));
    }
    return known;
  }

  /**
   * Creates the topic, then waits until every partition has a leader. A KRaft broker can answer the
   * metadata request right after creation with UNKNOWN_TOPIC_OR_PARTITION (or NOT_LEADER) until the
   * new topic has propagated, and kafkajs's own `waitForLeaders` gives up on that; so both steps are
   * retried here on retriable errors until {@link TOPIC_READY_TIMEOUT_MS}.
   */
  async #create(topic: string): Promise<void> {
    const { partitions, replicationFactor } = this.#settings;
    const deadline = Date.now() + TOPIC_READY_TIMEOUT_MS;
    try {
      await retryWhileRetriable(deadline, () =>
        this.#admin.createTopics({
          waitForLeaders: false,
          topics: [
            {
              topic,
              numPartitions: partitions,
              ...(replicationFactor === undefined ? {} : { replicationFactor }),
              configEntries: [
                { name: 'max.message.bytes', value: String(MAX_MESSAGE_BYTES) },
                ...(this.isCompacted(topic) ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
              ],
            },
          ],
        }),
      );
      // Listing offsets goes to each partition's leader, so it succeeds only once every partition
      // is served (the metadata alone can name a leader that still answers NOT_LEADER).
      await retryWhileRetriable(deadline, async () => {
        const offsets = await this.#admin.fetchTopicOffsets(topic);
        if (offsets.length === 0) throw new NotReadyYet(`topic ${topic} is not served yet`);
      });
    } catch (cause) {
      throw new WeftError('UNAVAILABLE', `could not create Kafka topic ${topic}`, { cause, retryable: true });
    }
  }
}

/**
 * Largest record batch the topics this log creates accept (`max.message.bytes`; the broker's default
 * is 1 MiB). A run's state snapshot grows with its loops (tens of bytes per item), and a snapshot
 * the broker refused would stop its scheduler partition. Topics created before this setting keep
 * theirs until an operator raises it.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** How long creating a topic may take, including waiting for its partition leaders. */
const TOPIC_READY_TIMEOUT_MS = 30_000;
