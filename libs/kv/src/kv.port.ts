/**
 * The key-value port (STYLE 3): what the agent bridge needs for shared circuit-breaker state
 * (SPEC F5: atomic transitions seen by every bridge process) and for the step cache (SPEC F14:
 * values with TTLs, invalidation by prefix, hit/miss counters). Adapters: Redis and in-memory.
 * Nothing here knows about a vendor client.
 *
 * Every method rejects with `WeftError('UNAVAILABLE', { retryable: true })` when the backing
 * service cannot be reached (callers such as the circuit breaker fail open on it), with
 * `ILLEGAL_STATE` after `close()`, with `VALIDATION_FAILED` for a bad argument (a bug) and with
 * `INTERNAL` when the server refuses a command (wrong type, a failing script). An `UNAVAILABLE`
 * after a command timeout does not prove the command was not applied: it may still run when the
 * server answers again.
 */
export interface KeyValueStore {
  /** The string at `key`, or `undefined` when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /**
   * Stores `value`. Like Redis `SET`, a plain set drops any TTL the key had. Resolves `false` only
   * when `onlyIfAbsent` is set and the key exists (nothing was written).
   */
  set(key: string, value: string, options?: SetOptions): Promise<boolean>;
  /** Resolves `true` when a key was removed. */
  delete(key: string): Promise<boolean>;
  /**
   * Removes every key starting with `prefix` (all keys of the store for `''`); resolves the count.
   * Not atomic on Redis (SCAN + UNLINK in batches): a key written meanwhile may survive.
   */
  deleteByPrefix(prefix: string): Promise<number>;
  /**
   * Adds `by` (an integer, default 1) to the integer at `key` (absent counts as 0) and resolves the
   * new value. With `ttlMs`, the key gets that TTL when it has none (so a counter created with a
   * TTL is a fixed window: later increments do not extend it).
   */
  increment(key: string, by?: number, options?: IncrementOptions): Promise<number>;
  /**
   * Runs `script` atomically: no other caller, in this process or another one sharing the store,
   * interleaves with it. `keys` are the only keys the script may touch (they get the store's key
   * prefix); `args` reach the script as strings.
   */
  atomic<R>(
    script: AtomicScript<R>,
    keys: readonly string[],
    args?: readonly (string | number)[],
  ): Promise<R>;
  /** Releases the connection or timers. Idempotent. */
  close(): Promise<void>;
}

export interface SetOptions {
  /** Positive integer milliseconds. */
  readonly ttlMs?: number;
  /** Write only when the key does not exist (Redis `NX`). */
  readonly onlyIfAbsent?: boolean;
}

export interface IncrementOptions {
  /** Positive integer milliseconds, applied only when the key has no TTL yet. */
  readonly ttlMs?: number;
}

/**
 * A value a script may return, in the shape Redis gives a Lua reply to its client: integers
 * (Lua numbers are truncated), strings, `null` (Lua `nil`/`false`), arrays of those. The memory
 * adapter converts what its `memory` function returns the same way (`true` → 1, `false`,
 * `null`, `undefined` → `null`, numbers truncated), and rejects anything else (objects), so
 * `decode` sees the same shape from both adapters.
 */
export type ScriptReply = string | number | null | readonly ScriptReply[];

/**
 * One atomic operation written twice, as Lua for Redis and as a synchronous JS function for the
 * memory adapter; a contract test per script proves they agree.
 *
 * Lua side: keys are `KEYS[i]`, arguments `ARGV[i]` (strings), and `now_ms()` returns the Redis
 * server time in milliseconds (one clock for every process sharing the store). A script must
 * touch only the keys it is given (never build key names), or the key prefix is bypassed.
 *
 * JS side: `view` mirrors the Redis commands with Redis semantics, `args` are the same strings
 * Lua sees, and `nowMs` is the memory store's clock.
 */
export interface AtomicScript<R> {
  /** Names the script in errors and logs. */
  readonly name: string;
  readonly lua: string;
  readonly memory: (
    view: MemoryView,
    keys: readonly string[],
    args: readonly string[],
    nowMs: number,
  ) => unknown;
  /** Turns the reply into `R`, validating it (throw on an unexpected shape: it is a bug). */
  readonly decode: (reply: ScriptReply) => R;
}

/**
 * The commands a memory script may use, named and behaving like their Redis counterparts
 * (`redis.call('HSET', ...)` ↔ `view.hset(...)`), with the same integer replies. Using a key
 * holding another type throws `WRONGTYPE` as Redis does; a hash or list left empty disappears, as
 * in Redis. Two differences to keep in mind: `set` answers a boolean where Lua sees `OK`/`false`,
 * and a missing value is `undefined` where Lua sees `false`.
 */
export interface MemoryView {
  get(key: string): string | undefined;
  /** SET with optional PX / NX. Resolves false when `onlyIfAbsent` and the key exists. */
  set(key: string, value: string, options?: SetOptions): boolean;
  del(...keys: string[]): number;
  /** EXISTS: how many of the keys exist (a key named twice counts twice). */
  exists(...keys: string[]): number;
  incrBy(key: string, by: number): number;
  /** PEXPIRE: 1 when the TTL was set, 0 when the key does not exist. */
  pexpire(key: string, ttlMs: number): number;
  /** PTTL: -2 when absent, -1 when the key has no TTL, else the remaining milliseconds. */
  pttl(key: string): number;
  hget(key: string, field: string): string | undefined;
  /** HSET with several fields; resolves the number of fields that were new. */
  hset(key: string, fields: Readonly<Record<string, string | number>>): number;
  hgetall(key: string): Record<string, string>;
  hdel(key: string, ...fields: string[]): number;
  hincrBy(key: string, field: string, by: number): number;
  /** Appends; resolves the new length. */
  rpush(key: string, ...values: (string | number)[]): number;
  /** Prepends (each value in turn, like Redis); resolves the new length. */
  lpush(key: string, ...values: (string | number)[]): number;
  /** Inclusive range; negative indexes count from the end. */
  lrange(key: string, start: number, stop: number): string[];
  /** Keeps only the inclusive range; negative indexes count from the end. */
  ltrim(key: string, start: number, stop: number): void;
  llen(key: string): number;
}
