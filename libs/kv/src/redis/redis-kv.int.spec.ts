import { randomUUID } from 'node:crypto';
import { isWeftError } from '@weft/contracts';
import { freePort, waitFor } from '@weft/testing';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { nowScript } from '../kv-contract.scripts';
import type { KeyValueStore } from '../kv.port';
import { kvContract } from '../kv.contract';
import { compareAndSet } from '../scripts/compare-and-set.script';
import { openRedisKv } from './redis-kv';
import type { RedisKvOptions } from './redis-kv';
import { startTcpProxy } from '@weft/testing';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const uniquePrefix = () => `weft-test:kv:${randomUUID()}:`;

/**
 * A store on a fresh key prefix (unless one is given), its connection closed and its keys removed
 * (through a direct connection, in case the store's route to Redis was cut) when the test ends.
 */
async function openTestKv(options: Partial<RedisKvOptions> = {}): Promise<KeyValueStore> {
  const keyPrefix = options.keyPrefix ?? uniquePrefix();
  const store = await openRedisKv({ url: REDIS_URL, ...options, keyPrefix });
  onTestFinished(async () => {
    await store.close();
    if (keyPrefix === '') return; // never wipe the whole database
    const cleaner = await openRedisKv({ url: REDIS_URL, keyPrefix });
    await cleaner.deleteByPrefix('');
    await cleaner.close();
  });
  return store;
}

kvContract('redis', async () => {
  const keyPrefix = uniquePrefix();
  const open = () => openRedisKv({ url: REDIS_URL, keyPrefix, scanBatchSize: 200 });
  const stores = [await open()];
  return {
    store: stores[0]!,
    now: () => Date.now(),
    advance: () => {},
    openPeer: async () => {
      const peer = await open();
      stores.push(peer);
      return peer;
    },
    dispose: async () => {
      const cleaner = await open();
      await cleaner.deleteByPrefix('');
      await Promise.all([cleaner, ...stores].map((s) => s.close()));
    },
  };
});

describe('redis key-value store', () => {
  it('applies the key prefix to every key, scripts and deleteByPrefix included', async () => {
    const prefix = uniquePrefix();
    const store = await openTestKv({ keyPrefix: prefix });
    const raw = await openTestKv({ keyPrefix: '' });
    const neighbour = await openTestKv();
    await store.set('k', 'v');
    await neighbour.set('k', 'other');
    expect(await compareAndSet(store, 'cas', undefined, 'x')).toBe(true);
    expect(await store.increment('n')).toBe(1);
    expect(await raw.get(`${prefix}k`)).toBe('v');
    expect(await raw.get(`${prefix}cas`)).toBe('x');
    expect(await raw.get(`${prefix}n`)).toBe('1');
    expect(await store.deleteByPrefix('')).toBe(3);
    expect(await neighbour.get('k')).toBe('other');
  });

  it('reloads a script Redis has forgotten (NOSCRIPT)', async () => {
    const store = await openTestKv();
    expect(await compareAndSet(store, 'a', undefined, '1')).toBe(true);
    const admin = new Redis(REDIS_URL);
    onTestFinished(() => void admin.disconnect());
    await admin.script('FLUSH');
    expect(await compareAndSet(store, 'a', '1', '2')).toBe(true);
    expect(await store.get('a')).toBe('2');
  });

  it('fails fast with UNAVAILABLE on every method when Redis is not reachable', async () => {
    const port = await freePort();
    const started = Date.now();
    const store = await openRedisKv({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500 });
    onTestFinished(() => store.close());
    const calls: Promise<unknown>[] = [
      store.get('k'),
      store.set('k', 'v'),
      store.set('k', 'v', { ttlMs: 10, onlyIfAbsent: true }),
      store.delete('k'),
      store.deleteByPrefix('p'),
      store.increment('n', 1, { ttlMs: 10 }),
      store.atomic(nowScript, []),
    ];
    const settled = await Promise.allSettled(calls);
    expect(Date.now() - started).toBeLessThan(1_500);
    for (const outcome of settled) {
      expect(outcome.status).toBe('rejected');
      if (outcome.status === 'rejected')
        expect(outcome.reason).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    }
    await store.close();
    await store.close();
  });

  it('fails fast while Redis is gone and recovers by itself when it is back', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
    onTestFinished(() => proxy.close());
    const store = await openTestKv({ url: `redis://127.0.0.1:${proxy.port}`, maxReconnectDelayMs: 100 });
    await store.set('k', 'v');

    await proxy.stop();
    const started = Date.now();
    await waitFor(
      async () => {
        try {
          await store.get('k');
          return false;
        } catch (error) {
          return isWeftError(error, 'UNAVAILABLE');
        }
      },
      { timeoutMs: 2_000, intervalMs: 20 },
    );
    expect(Date.now() - started).toBeLessThan(2_000);

    await proxy.start();
    expect(await waitFor(() => store.get('k'), { timeoutMs: 5_000, intervalMs: 50 })).toBe('v');
  });

  it('rejects with UNAVAILABLE instead of hanging when Redis stops answering', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
    onTestFinished(() => proxy.close());
    const store = await openTestKv({ url: `redis://127.0.0.1:${proxy.port}`, commandTimeoutMs: 300 });
    await store.set('k', 'v');
    proxy.freeze();
    const started = Date.now();
    await expect(store.get('k')).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    await expect(compareAndSet(store, 'k', 'v', 'w')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(Date.now() - started).toBeLessThan(1_500);
    proxy.thaw();
    expect(await store.get('k')).toBe('w'); // the stalled script did run once Redis answered
  });
});
