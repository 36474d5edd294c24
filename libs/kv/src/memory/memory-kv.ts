import { WeftError, isWeftError } from '@weft/contracts';
import type { AtomicScript, IncrementOptions, KeyValueStore, SetOptions } from '../kv.port';
import { checkIncrement, checkTtlMs, closedError } from '../kv-arguments';
import { decodeScriptResult } from '../script-result';
import { incrementScript } from '../scripts/increment.script';
import { MemoryKeyspace } from './memory-keyspace';

export interface MemoryKvOptions {
  /** The clock TTLs and scripts use (milliseconds). Default `Date.now`; tests inject one. */
  readonly now?: () => number;
  /** How often expired keys are swept (they also expire lazily when touched). Default 30 s. */
  readonly sweepIntervalMs?: number;
}

/**
 * The embedded key-value adapter: one process, Redis semantics, TTLs expired lazily plus a periodic
 * sweep whose timer never keeps the process alive. Scripts run synchronously, so nothing can
 * interleave with them.
 */
export function createMemoryKv(options: MemoryKvOptions = {}): KeyValueStore {
  const now = options.now ?? Date.now;
  const keyspace = new MemoryKeyspace(now);
  const sweeper = setInterval(() => keyspace.sweep(), options.sweepIntervalMs ?? 30_000);
  sweeper.unref();
  let closed = false;

  /** Runs `work` as one synchronous step; rejects instead of throwing, like a real client. */
  async function run<T>(work: () => T): Promise<T> {
    if (closed) throw closedError('memory');
    return work();
  }

  function atomic<R>(
    script: AtomicScript<R>,
    keys: readonly string[],
    args: readonly (string | number)[] = [],
  ) {
    return run(() => {
      let raw: unknown;
      try {
        raw = script.memory(keyspace, keys, args.map(String), now());
      } catch (error) {
        if (isWeftError(error)) throw error;
        throw new WeftError('INTERNAL', `atomic script ${script.name} failed: ${String(error)}`, {
          cause: error,
        });
      }
      return decodeScriptResult(script, raw);
    });
  }

  return {
    get: (key: string) => run(() => keyspace.get(key)),
    set: (key: string, value: string, setOptions: SetOptions = {}) =>
      run(() => {
        checkTtlMs(setOptions.ttlMs, 'set');
        return keyspace.set(key, value, setOptions);
      }),
    delete: (key: string) => run(() => keyspace.del(key) > 0),
    deleteByPrefix: (prefix: string) =>
      run(() => {
        const keys = keyspace.keysWithPrefix(prefix);
        return keys.length === 0 ? 0 : keyspace.del(...keys);
      }),
    increment: async (key: string, by = 1, incrementOptions: IncrementOptions = {}) => {
      checkIncrement(by);
      checkTtlMs(incrementOptions.ttlMs, 'increment');
      return atomic(incrementScript, [key], [by, incrementOptions.ttlMs ?? '']);
    },
    atomic,
    close: async () => {
      if (closed) return;
      closed = true;
      clearInterval(sweeper);
    },
  };
}
