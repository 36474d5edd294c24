import { topicNames, type Logger } from '@weft/contracts';
import { openKafkaEventLog, type ConsumerTuning, type EventLog } from '@weft/eventlog';
import { openRedisKv, type KeyValueStore } from '@weft/kv';
import { migrateToLatest, openPgStore, type Store } from '@weft/store';
import type { KafkaConfig, RedisConfig, StoreConfig } from './service-config';

/**
 * Prefix of every transactional id (`weft.<group>.<topic>.<partition>`): the same in every instance
 * of a service, so a new owner of a partition fences the old one. Groups carry TOPIC_PREFIX.
 */
const TRANSACTIONAL_ID_PREFIX = 'weft';

/** A service's consumer group: `TOPIC_PREFIX` + the group's name, so deployments sharing a broker stay apart. */
export function serviceGroupId(config: KafkaConfig, group: string): string {
  return config.TOPIC_PREFIX + group;
}

/** The Kafka event log of a distributed service (client id `<service>-<pid>`). */
export function openServiceEventLog(config: KafkaConfig, service: string, logger: Logger): Promise<EventLog> {
  const consumer: Partial<ConsumerTuning> = {
    ...(config.KAFKA_SESSION_TIMEOUT_MS === undefined
      ? {}
      : { sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS }),
    ...(config.KAFKA_HEARTBEAT_INTERVAL_MS === undefined
      ? {}
      : { heartbeatIntervalMs: config.KAFKA_HEARTBEAT_INTERVAL_MS }),
    ...(config.KAFKA_REBALANCE_TIMEOUT_MS === undefined
      ? {}
      : { rebalanceTimeoutMs: config.KAFKA_REBALANCE_TIMEOUT_MS }),
  };
  return openKafkaEventLog({
    brokers: config.KAFKA_BROKERS,
    clientId: `${service}-${process.pid}`,
    compactedTopics: [topicNames(config.TOPIC_PREFIX).runState],
    partitions: config.KAFKA_PARTITIONS,
    transactionalIdPrefix: TRANSACTIONAL_ID_PREFIX,
    logger,
    consumer,
  });
}

/** The Postgres store of a distributed service, migrated to the latest schema unless DATABASE_MIGRATE=false. */
export async function openServiceStore(config: StoreConfig, logger: Logger): Promise<Store> {
  const store = await openPgStore({
    connectionString: config.DATABASE_URL,
    max: config.DATABASE_POOL_MAX,
    ...(config.DATABASE_SCHEMA === undefined ? {} : { schema: config.DATABASE_SCHEMA }),
    onIdleClientError: (err) => logger.warn({ err }, 'idle Postgres connection failed'),
  });
  if (config.DATABASE_MIGRATE) {
    try {
      await migrateToLatest(store.db);
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return store;
}

/**
 * The Redis kv of a distributed service. It opens while Redis is down (calls fail fast with
 * UNAVAILABLE until it is back, and the circuit breaker fails open on that), so a Redis outage
 * never stops a service from starting.
 */
export function openServiceKv(
  config: RedisConfig & Pick<KafkaConfig, 'TOPIC_PREFIX'>,
  logger: Logger,
): Promise<KeyValueStore> {
  return openRedisKv({
    url: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX ?? config.TOPIC_PREFIX,
    logger,
  });
}
