import { describe, expect, it } from 'vitest';
import { registryCache } from './registry-cache';

describe('registryCache', () => {
  it('answers from what it read within ttlMs, reads again after, and forgets all on clear', async () => {
    let clock = 0;
    const cache = registryCache(1000, () => clock);
    let reads = 0;
    const load = async () => ++reads;
    expect(await cache.get('w', load)).toBe(1);
    clock = 999;
    expect(await cache.get('w', load)).toBe(1);
    expect(await cache.get('other', load)).toBe(2);
    clock = 1000;
    expect(await cache.get('w', load)).toBe(3);
    cache.clear();
    expect(await cache.get('w', load)).toBe(4);
  });

  it('shares one read between concurrent callers, and does not keep a read that failed', async () => {
    const cache = registryCache(1000, () => 0);
    let reads = 0;
    const failing = async () => {
      reads++;
      throw new Error('database away');
    };
    const both = [cache.get('w', failing), cache.get('w', failing)];
    for (const p of both) await expect(p).rejects.toThrow('database away');
    expect(reads).toBe(1);
    expect(await cache.get('w', async () => 'read again')).toBe('read again');
  });
});
