import { describe, expect, it } from 'vitest';
import type { AtomicScript } from '../kv.port';
import { kvContract } from '../kv.contract';
import { createMemoryKv } from './memory-kv';
import { MemoryKeyspace } from './memory-keyspace';

kvContract('memory', async () => {
  let clock = 1_700_000_000_000;
  const store = createMemoryKv({ now: () => clock });
  return {
    store,
    now: () => clock,
    advance: (ms) => {
      clock += ms;
    },
    openPeer: async () => store,
    dispose: () => store.close(),
  };
});

describe('memory key-value store', () => {
  it('keeps a key up to and including its expiry instant, as Redis does', async () => {
    let clock = 0;
    const store = createMemoryKv({ now: () => clock });
    await store.set('k', 'v', { ttlMs: 100 });
    clock = 100;
    expect(await store.get('k')).toBe('v');
    clock = 101;
    expect(await store.get('k')).toBeUndefined();
    await store.close();
  });

  it('sweeps expired keys without them being touched', () => {
    let clock = 0;
    const keyspace = new MemoryKeyspace(() => clock);
    keyspace.set('a', '1', { ttlMs: 10 });
    keyspace.set('b', '1', { ttlMs: 1_000 });
    keyspace.set('c', '1');
    clock = 11;
    expect(keyspace.sweep()).toBe(1);
    expect(keyspace.keysWithPrefix('').sort()).toEqual(['b', 'c']);
  });

  it('rejects scripts whose result Lua could not return, or that throw', async () => {
    const store = createMemoryKv();
    const script = (memory: AtomicScript<unknown>['memory']): AtomicScript<unknown> => ({
      name: 'bad',
      lua: 'return 1',
      memory,
      decode: (reply) => reply,
    });
    await expect(
      store.atomic(
        script(() => ({ a: 1 })),
        [],
      ),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(
      store.atomic(
        script(async () => 1),
        [],
      ),
    ).rejects.toThrow(/synchronous/);
    const boom = new Error('boom');
    await expect(
      store.atomic(
        script(() => {
          throw boom;
        }),
        [],
      ),
    ).rejects.toMatchObject({ code: 'INTERNAL', cause: boom });
    await expect(
      store.atomic({ name: 'decoder', lua: '', memory: () => 'x', decode: () => JSON.parse('{') }, []),
    ).rejects.toMatchObject({ code: 'INTERNAL' });
    await store.close();
  });
});
