import { randomUUID } from 'node:crypto';
import { openRedisKv, type KeyValueStore } from '@weft/kv';
import { circuitBreakerContract } from './circuit-breaker.contract';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

circuitBreakerContract('redis', async () => {
  const keyPrefix = `weft-test:circuit:${randomUUID()}:`;
  const stores: KeyValueStore[] = [];
  const open = () => openRedisKv({ url: REDIS_URL, keyPrefix });
  return {
    openStore: async () => {
      const store = await open();
      stores.push(store);
      return store;
    },
    now: () => Date.now(),
    advance: () => {},
    dispose: async () => {
      const cleaner = await open();
      await cleaner.deleteByPrefix('');
      await Promise.all([cleaner, ...stores].map((s) => s.close()));
    },
  };
});
