import type { AtomicScript } from './kv.port';
import { replyArray, replyInteger, replyRecord } from './script-replies';

/**
 * Scripts the contract suite runs on every adapter: each is written twice (Lua and JS) and the
 * suite asserts literal results, so an adapter passing it agrees with the other one.
 */

/** A deliberately read-then-write counter: correct only if `atomic` really is atomic. */
export const readModifyWriteScript: AtomicScript<number> = {
  name: 'contract.read-modify-write',
  lua: `
local next = tonumber(redis.call('GET', KEYS[1]) or '0') + 1
redis.call('SET', KEYS[1], tostring(next))
return next
`,
  memory: (view, keys) => {
    const key = keys[0] ?? '';
    const next = Number(view.get(key) ?? '0') + 1;
    view.set(key, String(next));
    return next;
  },
  decode: replyInteger,
};

/**
 * What a circuit breaker records per call: a window of the last N outcomes (list), counters and
 * the time of the last update (hash), both with a TTL. KEYS: [stats, window]. ARGV: [outcome,
 * windowSize, ttlMs]. Replies [calls, window length, failures in window, consecutive failures].
 */
export const recordOutcomeScript: AtomicScript<readonly number[]> = {
  name: 'contract.record-outcome',
  lua: `
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
local calls = redis.call('HINCRBY', KEYS[1], 'calls', 1)
if ARGV[1] == 'fail' then
  redis.call('HINCRBY', KEYS[1], 'consecutive_failures', 1)
else
  redis.call('HSET', KEYS[1], 'consecutive_failures', 0)
end
redis.call('HSET', KEYS[1], 'last', ARGV[1], 'updated_at', now_ms())
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
local failures = 0
for _, outcome in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  if outcome == 'fail' then failures = failures + 1 end
end
return { calls, redis.call('LLEN', KEYS[2]), failures, tonumber(redis.call('HGET', KEYS[1], 'consecutive_failures')) }
`,
  memory: (view, keys, args, nowMs) => {
    const [stats = '', window = ''] = keys;
    const [outcome = '', size = '0', ttl = '0'] = args;
    view.rpush(window, outcome);
    view.ltrim(window, -Number(size), -1);
    const calls = view.hincrBy(stats, 'calls', 1);
    if (outcome === 'fail') view.hincrBy(stats, 'consecutive_failures', 1);
    else view.hset(stats, { consecutive_failures: 0 });
    view.hset(stats, { last: outcome, updated_at: nowMs });
    view.pexpire(stats, Number(ttl));
    view.pexpire(window, Number(ttl));
    const failures = view.lrange(window, 0, -1).filter((o) => o === 'fail').length;
    return [calls, view.llen(window), failures, Number(view.hget(stats, 'consecutive_failures'))];
  },
  decode: (reply) => replyArray(reply).map(replyInteger),
};

/** HGETALL as a record. KEYS: [hash]. */
export const readHashScript: AtomicScript<Record<string, string>> = {
  name: 'contract.read-hash',
  lua: `return redis.call('HGETALL', KEYS[1])`,
  memory: (view, keys) => Object.entries(view.hgetall(keys[0] ?? '')).flat(),
  decode: replyRecord,
};

/** Lua → Redis reply conversions: truncated numbers, booleans, nil. Returns the reply untouched. */
export const replyShapesScript: AtomicScript<unknown> = {
  name: 'contract.reply-shapes',
  lua: `return { 1, 'a', false, 3.7, -2.5, true, { 'nested', 0 } }`,
  memory: () => [1, 'a', false, 3.7, -2.5, true, ['nested', 0]],
  decode: (reply) => reply,
};

/** `now_ms()` / `nowMs`. */
export const nowScript: AtomicScript<number> = {
  name: 'contract.now',
  lua: `return now_ms()`,
  memory: (_view, _keys, _args, nowMs) => nowMs,
  decode: replyInteger,
};

/** Reads a string key as a hash: WRONGTYPE on both adapters. KEYS: [key]. */
export const wrongTypeScript: AtomicScript<unknown> = {
  name: 'contract.wrong-type',
  lua: `return redis.call('HGET', KEYS[1], 'field')`,
  memory: (view, keys) => view.hget(keys[0] ?? '', 'field'),
  decode: (reply) => reply,
};

/** List commands with Redis index rules. KEYS: [list]. Replies [after lpush, range, after trim]. */
export const listIndexesScript: AtomicScript<unknown> = {
  name: 'contract.list-indexes',
  lua: `
redis.call('RPUSH', KEYS[1], 'c', 'd')
local length = redis.call('LPUSH', KEYS[1], 'b', 'a')
local tail = redis.call('LRANGE', KEYS[1], -3, 100)
redis.call('LTRIM', KEYS[1], 1, -2)
local kept = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('LTRIM', KEYS[1], 5, 10)
return { length, tail, kept, redis.call('EXISTS', KEYS[1]), redis.call('PTTL', KEYS[1]) }
`,
  memory: (view, keys) => {
    const key = keys[0] ?? '';
    view.rpush(key, 'c', 'd');
    const length = view.lpush(key, 'b', 'a');
    const tail = view.lrange(key, -3, 100);
    view.ltrim(key, 1, -2);
    const kept = view.lrange(key, 0, -1);
    view.ltrim(key, 5, 10);
    return [length, tail, kept, view.exists(key), view.pttl(key)];
  },
  decode: (reply) => reply,
};
