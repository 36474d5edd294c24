import { waitFor } from '@weft/testing';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  listIndexesScript,
  nowScript,
  readHashScript,
  readModifyWriteScript,
  recordOutcomeScript,
  replyShapesScript,
  wrongTypeScript,
} from './kv-contract.scripts';
import type { KeyValueStore } from './kv.port';
import { compareAndSet } from './scripts/compare-and-set.script';

/**
 * The key-value contract (STYLE 4): every adapter's spec calls `kvContract` with a factory. The
 * suite asserts literal values, so two adapters passing it give the same answers.
 *
 * Time: `advance(ms)` moves an injected clock (memory); for Redis it does nothing and real time
 * passes while the test polls with a deadline. A TTL is proven over by a marker key set after
 * it with the same TTL having disappeared.
 *
 * Divergences (by design): memory counters stop at 2^53 (Redis at 2^63); `MemoryView.set`
 * answers a boolean where Lua sees `OK`/`false`.
 */
export interface KvHarness {
  readonly store: KeyValueStore;
  /** The store's clock, in milliseconds. */
  now(): number;
  advance(ms: number): void;
  /** Another store on the same keyspace: another process on the same Redis (the same store for memory). */
  openPeer(): Promise<KeyValueStore>;
  /** Removes the test's keys and closes every store it opened. */
  dispose(): Promise<void>;
}

const SHORT_TTL_MS = 50;
const LONG_TTL_MS = 60_000;

export function kvContract(name: string, open: () => Promise<KvHarness>): void {
  async function harness(): Promise<KvHarness> {
    const h = await open();
    onTestFinished(() => h.dispose());
    return h;
  }

  /** Waits until `marker`, set now with a short TTL, is gone: every older short TTL is over too. */
  async function letShortTtlsExpire(h: KvHarness): Promise<void> {
    const marker = `marker:${h.now()}`;
    await h.store.set(marker, 'm', { ttlMs: SHORT_TTL_MS });
    h.advance(SHORT_TTL_MS + 1);
    await waitFor(async () => (await h.store.get(marker)) === undefined, {
      timeoutMs: 3_000,
      intervalMs: 10,
      message: 'a short TTL never expired',
    });
  }

  describe(`key-value contract: ${name}`, () => {
    it('gets, sets and deletes strings', async () => {
      const { store } = await harness();
      expect(await store.get('missing')).toBeUndefined();
      expect(await store.set('k', 'v1')).toBe(true);
      expect(await store.get('k')).toBe('v1');
      expect(await store.set('k', 'v2')).toBe(true);
      expect(await store.get('k')).toBe('v2');
      expect(await store.set('empty', '')).toBe(true);
      expect(await store.get('empty')).toBe('');
      expect(await store.set('unicode', 'héllo ✓ {"a":1}')).toBe(true);
      expect(await store.get('unicode')).toBe('héllo ✓ {"a":1}');
      expect(await store.delete('k')).toBe(true);
      expect(await store.delete('k')).toBe(false);
      expect(await store.get('k')).toBeUndefined();
    });

    it('expires keys after their TTL, and a plain set drops the TTL', async () => {
      const h = await harness();
      const { store } = h;
      await store.set('short', 's', { ttlMs: SHORT_TTL_MS });
      await store.set('long', 'l', { ttlMs: LONG_TTL_MS });
      await store.set('rewritten', 'r1', { ttlMs: SHORT_TTL_MS });
      await store.set('rewritten', 'r2');
      expect(await store.get('short')).toBe('s');
      await letShortTtlsExpire(h);
      expect(await store.get('short')).toBeUndefined();
      expect(await store.get('long')).toBe('l');
      expect(await store.get('rewritten')).toBe('r2');
      expect(await store.delete('short')).toBe(false);
    });

    it('writes onlyIfAbsent only when the key is absent (or expired)', async () => {
      const h = await harness();
      const { store } = h;
      expect(await store.set('lock', 'a', { onlyIfAbsent: true, ttlMs: SHORT_TTL_MS })).toBe(true);
      expect(await store.set('lock', 'b', { onlyIfAbsent: true })).toBe(false);
      expect(await store.get('lock')).toBe('a');
      await letShortTtlsExpire(h);
      expect(await store.set('lock', 'c', { onlyIfAbsent: true })).toBe(true);
      expect(await store.get('lock')).toBe('c');
    });

    it('increments integers, with a TTL set once (a fixed window)', async () => {
      const h = await harness();
      const { store } = h;
      expect(await store.increment('n')).toBe(1);
      expect(await store.increment('n', 5)).toBe(6);
      expect(await store.increment('n', -10)).toBe(-4);
      expect(await store.get('n')).toBe('-4');
      await store.set('preset', '41');
      expect(await store.increment('preset')).toBe(42);

      expect(await store.increment('window', 1, { ttlMs: SHORT_TTL_MS })).toBe(1);
      expect(await store.increment('window', 1, { ttlMs: LONG_TTL_MS })).toBe(2); // does not extend
      expect(await store.increment('window', 3)).toBe(5); // keeps the TTL
      await letShortTtlsExpire(h);
      expect(await store.get('window')).toBeUndefined();
      expect(await store.increment('window', 1, { ttlMs: LONG_TTL_MS })).toBe(1);
      expect(await store.get('n')).toBe('-4');
    });

    it('rejects bad arguments and commands on the wrong type', async () => {
      const { store } = await harness();
      await store.set('text', 'not a number');
      await expect(store.increment('text')).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(store.increment('n', 1.5)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      for (const ttlMs of [0, -5, 1.5]) {
        await expect(store.set('k', 'v', { ttlMs })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
        await expect(store.increment('n', 1, { ttlMs })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      }
      expect(await store.get('k')).toBeUndefined();
      await store.atomic(recordOutcomeScript, ['hash', 'list'], ['ok', 3, LONG_TTL_MS]);
      await expect(store.get('hash')).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(store.increment('list')).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(store.atomic(wrongTypeScript, ['text'])).rejects.toMatchObject({ code: 'INTERNAL' });
      expect(await store.get('text')).toBe('not a number');
    });

    it('deletes by prefix, in batches, and nothing else', async () => {
      const { store } = await harness();
      const count = 1_500;
      await Promise.all(Array.from({ length: count }, (_, i) => store.set(`bulk:${i}`, String(i))));
      await store.atomic(recordOutcomeScript, ['bulk:hash', 'bulk:list'], ['fail', 3, LONG_TTL_MS]);
      await store.set('bulkhead', 'kept');
      await store.set('other:1', 'kept');
      expect(await store.deleteByPrefix('bulk:')).toBe(count + 2);
      expect(await store.get('bulk:0')).toBeUndefined();
      expect(await store.get(`bulk:${count - 1}`)).toBeUndefined();
      expect(await store.atomic(readHashScript, ['bulk:hash'])).toEqual({});
      expect(await store.get('bulkhead')).toBe('kept');
      expect(await store.get('other:1')).toBe('kept');
      expect(await store.deleteByPrefix('bulk:')).toBe(0);
    });

    it('treats glob characters in a prefix literally', async () => {
      const { store } = await harness();
      await store.set('a*[b]?\\:1', 'x');
      await store.set('a*[b]?\\:2', 'x');
      await store.set('aX[b]?\\:1', 'kept');
      await store.set('ab]!\\:1', 'kept');
      await store.set('a*b?\\:1', 'kept');
      expect(await store.deleteByPrefix('a*[b]?\\:')).toBe(2);
      expect(await store.get('aX[b]?\\:1')).toBe('kept');
      expect(await store.get('ab]!\\:1')).toBe('kept');
      expect(await store.get('a*b?\\:1')).toBe('kept');
    });

    it('compare-and-set writes only on a match', async () => {
      const { store } = await harness();
      expect(await compareAndSet(store, 'state', undefined, 'CLOSED')).toBe(true);
      expect(await compareAndSet(store, 'state', undefined, 'OPEN')).toBe(false);
      expect(await compareAndSet(store, 'state', 'OPEN', 'HALF_OPEN')).toBe(false);
      expect(await store.get('state')).toBe('CLOSED');
      expect(await compareAndSet(store, 'state', 'CLOSED', 'OPEN', { ttlMs: LONG_TTL_MS })).toBe(true);
      expect(await store.get('state')).toBe('OPEN');
      await expect(compareAndSet(store, 'state', 'OPEN', 'x', { ttlMs: 0 })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
    });

    it('scripts use lists, hashes and TTLs with identical results', async () => {
      const h = await harness();
      const { store } = h;
      const keys = ['cb:stats', 'cb:window'];
      const outcomes = ['ok', 'fail', 'fail', 'ok', 'fail', 'fail', 'fail'];
      const replies = [];
      for (const outcome of outcomes)
        replies.push(await store.atomic(recordOutcomeScript, keys, [outcome, 4, LONG_TTL_MS]));
      expect(replies).toEqual([
        [1, 1, 0, 0],
        [2, 2, 1, 1],
        [3, 3, 2, 2],
        [4, 4, 2, 0],
        [5, 4, 3, 1],
        [6, 4, 3, 2],
        [7, 4, 3, 3],
      ]);
      const before = h.now();
      await store.atomic(recordOutcomeScript, keys, ['ok', 4, SHORT_TTL_MS]);
      const after = h.now();
      const stats = await store.atomic(readHashScript, ['cb:stats']);
      expect(stats).toMatchObject({ calls: '8', consecutive_failures: '0', last: 'ok' });
      expect(Object.keys(stats).sort()).toEqual(['calls', 'consecutive_failures', 'last', 'updated_at']);
      expect(Number(stats.updated_at)).toBeGreaterThanOrEqual(before - 1);
      expect(Number(stats.updated_at)).toBeLessThanOrEqual(after + 1);
      await letShortTtlsExpire(h);
      expect(await store.atomic(readHashScript, ['cb:stats'])).toEqual({});
      expect(await store.atomic(recordOutcomeScript, keys, ['fail', 4, LONG_TTL_MS])).toEqual([1, 1, 1, 1]);
    });

    it('follows Redis list index rules', async () => {
      const { store } = await harness();
      expect(await store.atomic(listIndexesScript, ['list'])).toEqual([
        4,
        ['b', 'c', 'd'],
        ['b', 'c'],
        0,
        -2,
      ]);
    });

    it('converts script replies the way Redis converts Lua values', async () => {
      const h = await harness();
      expect(await h.store.atomic(replyShapesScript, [])).toEqual([1, 'a', null, 3, -2, 1, ['nested', 0]]);
      const before = h.now();
      const now = await h.store.atomic(nowScript, []);
      expect(now).toBeGreaterThanOrEqual(before - 1);
      expect(now).toBeLessThanOrEqual(h.now() + 1);
    });

    it('runs scripts atomically across concurrent callers', async () => {
      const h = await harness();
      const stores = [h.store, await h.openPeer(), await h.openPeer()];
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          stores[i % stores.length]!.atomic(readModifyWriteScript, ['counter']),
        ),
      );
      expect(await h.store.get('counter')).toBe('50');
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));

      const winners = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          compareAndSet(stores[i % stores.length]!, 'owner', undefined, `p${i}`),
        ),
      );
      expect(winners.filter(Boolean)).toHaveLength(1);
      expect(await h.store.get('owner')).toBe(`p${winners.indexOf(true)}`);
      const counts = await Promise.all(
        Array.from({ length: 50 }, (_, i) => stores[i % stores.length]!.increment('hits')),
      );
      expect(Math.max(...counts)).toBe(50);
    });

    it('close is idempotent and later calls reject with ILLEGAL_STATE', async () => {
      const { store } = await harness();
      await store.set('k', 'v');
      await store.close();
      await store.close();
      await expect(store.get('k')).rejects.toMatchObject({ code: 'ILLEGAL_STATE' });
      await expect(store.set('k', 'v')).rejects.toMatchObject({ code: 'ILLEGAL_STATE' });
      await expect(store.atomic(nowScript, [])).rejects.toMatchObject({ code: 'ILLEGAL_STATE' });
    });
  });
}
