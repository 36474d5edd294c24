import { silentLogger } from '@weft/contracts';
import type { Logger } from '@weft/contracts';
import { Redis } from 'ioredis';
import type { AtomicScript, IncrementOptions, KeyValueStore, SetOptions } from '../kv.port';
import { checkIncrement, checkTtlMs, closedError } from '../kv-arguments';
import { decodeScriptResult } from '../script-result';
import { incrementScript } from '../scripts/increment.script';
import { toKvError } from './redis-errors';
import { createScriptRunner } from './redis-script-runner';
import { prefixPattern } from './scan-pattern';

export interface RedisKvOptions {
  /** `redis://[user:password@]host:port[/db]`. */
  readonly url: string;
  /** Prepended to every key, script keys and `deleteByPrefix` included. Default ''. */
  readonly keyPrefix?: string;
  /** Time allowed to open a connection, and what `openRedisKv` waits for the first one. Default 1000. */
  readonly connectTimeoutMs?: number;
  /** A command without an answer after this long rejects with UNAVAILABLE. Default 2000. */
  readonly commandTimeoutMs?: number;
  /** Upper bound of the delay between reconnection attempts. Default 1000. */
  readonly maxReconnectDelayMs?: number;
  /** Keys asked per SCAN (and unlinked per UNLINK) in `deleteByPrefix`. Default 500. */
  readonly scanBatchSize?: number;
  readonly logger?: Logger;
}

/**
 * The Redis key-value adapter. It fails fast instead of queueing: while Redis is unreachable every
 * call rejects at once with a retryable `UNAVAILABLE` (the circuit breaker fails open on it), and
 * the client keeps reconnecting in the background, so calls succeed again once Redis is back.
 *
 * Resolves after the first connection attempt (ready, failed or timed out), so a service can start
 * while Redis is down.
 */
export async function openRedisKv(options: RedisKvOptions): Promise<KeyValueStore> {
  const keyPrefix = options.keyPrefix ?? '';
  const connectTimeoutMs = options.connectTimeoutMs ?? 1_000;
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? 1_000;
  const scanBatchSize = options.scanBatchSize ?? 500;
  const logger = (options.logger ?? silentLogger).child({ component: 'redis-kv' });

  const client = new Redis(options.url, {
    connectTimeout: connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(50 * attempt, maxReconnectDelayMs),
  });
  let reachable = true;
  client.on('error', (error: Error) => {
    if (reachable) logger.warn({ err: error.message }, 'redis unreachable; kv calls fail until it is back');
    reachable = false;
  });
  client.on('ready', () => {
    if (!reachable) logger.info({}, 'redis reachable again');
    reachable = true;
  });
  await firstConnectionAttempt(client, connectTimeoutMs);

  const runScript = createScriptRunner(client);
  const k = (key: string) => keyPrefix + key;
  let closing: Promise<void> | undefined;

  async function run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (closing !== undefined) throw closedError('redis');
    try {
      return await work();
    } catch (error) {
      throw toKvError(error, operation);
    }
  }

  async function atomic<R>(
    script: AtomicScript<R>,
    keys: readonly string[],
    args: readonly (string | number)[] = [],
  ) {
    const raw = await run(`script ${script.name}`, () => runScript(script, keys.map(k), args.map(String)));
    return decodeScriptResult(script, raw);
  }

  return {
    get: (key: string) => run('get', async () => (await client.get(k(key))) ?? undefined),

    set: async (key: string, value: string, setOptions: SetOptions = {}) => {
      checkTtlMs(setOptions.ttlMs, 'set');
      const args: (string | number)[] = [k(key), value];
      if (setOptions.ttlMs !== undefined) args.push('PX', setOptions.ttlMs);
      if (setOptions.onlyIfAbsent === true) args.push('NX');
      return run('set', async () => (await client.call('SET', ...args)) === 'OK');
    },

    delete: (key: string) => run('delete', async () => (await client.unlink(k(key))) > 0),

    deleteByPrefix: (prefix: string) =>
      run('deleteByPrefix', async () => {
        const pattern = prefixPattern(k(prefix));
        let cursor = '0';
        let deleted = 0;
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', scanBatchSize);
          // SCAN may return a key twice; UNLINK counts it only once.
          if (keys.length > 0) deleted += await client.unlink(...keys);
          cursor = next;
        } while (cursor !== '0');
        return deleted;
      }),

    increment: async (key: string, by = 1, incrementOptions: IncrementOptions = {}) => {
      checkIncrement(by);
      checkTtlMs(incrementOptions.ttlMs, 'increment');
      return atomic(incrementScript, [key], [by, incrementOptions.ttlMs ?? '']);
    },

    atomic,

    close: () =>
      (closing ??= (async () => {
        if (client.status !== 'ready') {
          client.disconnect();
          return;
        }
        try {
          await client.quit();
        } catch {
          // QUIT could not be sent or answered; dropping the socket closes it all the same.
          client.disconnect();
        }
      })()),
  };
}

/** Waits until the client is ready, fails once, or `timeoutMs` passes, whichever comes first. */
function firstConnectionAttempt(client: Redis, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
    client.once('error', done);
  });
}
