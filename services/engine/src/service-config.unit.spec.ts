import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { KafkaEnv, LogEnv, loadServiceConfig, StoreEnv } from './service-config';

const Schema = z.object({ ...LogEnv, ...KafkaEnv, ...StoreEnv });
const load = (env: Record<string, string>) => loadServiceConfig(Schema, env);

describe('loadServiceConfig', () => {
  it('parses, applies defaults and freezes', () => {
    const config = load({
      KAFKA_BROKERS: 'a:9092, b:9093',
      DATABASE_URL: 'postgres://u@h:5432/db',
      DATABASE_MIGRATE: 'false',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      TOPIC_PREFIX: '',
      OTHER: 'ignored',
    });
    expect(config).toEqual({
      LOG_LEVEL: 'info',
      KAFKA_BROKERS: ['a:9092', 'b:9093'],
      TOPIC_PREFIX: '',
      KAFKA_PARTITIONS: 3,
      KAFKA_SESSION_TIMEOUT_MS: 6000,
      DATABASE_URL: 'postgres://u@h:5432/db',
      DATABASE_MIGRATE: false,
      DATABASE_POOL_MAX: 10,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('fails naming every missing variable (empty counts as missing) and every invalid one', () => {
    expect(() => load({ KAFKA_BROKERS: '' })).toThrow(
      'invalid configuration: missing KAFKA_BROKERS, DATABASE_URL',
    );
    expect(() =>
      load({ KAFKA_BROKERS: 'nohost', DATABASE_URL: 'mysql://x', TOPIC_PREFIX: 'a b', LOG_LEVEL: 'loud' }),
    ).toThrow(
      /invalid LOG_LEVEL: .*; KAFKA_BROKERS: each broker must be host:port; TOPIC_PREFIX: .*; DATABASE_URL: must be a postgres/,
    );
  });
});
