import { WeftError } from '@weft/contracts';
import {
  replyArray,
  replyInteger,
  replyString,
  type AtomicScript,
  type MemoryView,
  type ScriptReply,
} from '@weft/kv';
import {
  CIRCUIT_STATES,
  CIRCUIT_TRANSITION_REASONS,
  decideAcquire,
  decideRecord,
  decideReset,
  type CircuitLimits,
  type CircuitOutcome,
  type CircuitSnapshot,
  type CircuitState,
  type MachineTransition,
} from '@weft/resilience';

/**
 * The circuit breaker's atomic scripts (SPEC F5), each written twice: Lua for Redis, and for the
 * memory adapter the pure decisions of `@weft/resilience` (`circuit-breaker.machine.ts`) over the
 * same stored shape. The breaker contract suite proves they agree.
 *
 * Stored per agent, both keys with an idle TTL refreshed on every write:
 * - KEYS[1], a hash: `state` (absent = CLOSED), `consecutive_failures`, `probes`, `opened_at`,
 *   `probe_at`, `changed_at` (epoch ms on the store's clock: Redis `TIME` / the memory clock);
 * - KEYS[2], a list: the sliding window of outcomes, `S` or `F`, oldest first.
 *
 * ARGV (every script): failure_threshold, failure_rate_threshold, window_size, minimum_calls,
 * recovery_ms, half_open_max_calls, ttl_ms, then for `record` the outcome (`S` | `F`).
 * Replies never hold nil (Redis would cut the array there): "no transition" is `''`.
 */

/** Parses ARGV the way the Lua header does. */
function limitsOf(args: readonly string[]): CircuitLimits & { readonly ttl_ms: number } {
  const n = (i: number) => Number(args[i]);
  return {
    failure_threshold: n(0),
    failure_rate_threshold: n(1),
    window_size: n(2),
    minimum_calls: n(3),
    recovery_ms: n(4),
    half_open_max_calls: n(5),
    ttl_ms: n(6),
  };
}

export function scriptArgs(limits: CircuitLimits, ttlMs: number, ...extra: string[]): string[] {
  return [
    limits.failure_threshold,
    limits.failure_rate_threshold,
    limits.window_size,
    limits.minimum_calls,
    limits.recovery_ms,
    limits.half_open_max_calls,
    ttlMs,
  ]
    .map(String)
    .concat(extra);
}

const LUA_HEADER = `
local S, W = KEYS[1], KEYS[2]
local failure_threshold = tonumber(ARGV[1])
local failure_rate_threshold = tonumber(ARGV[2])
local window_size = tonumber(ARGV[3])
local minimum_calls = tonumber(ARGV[4])
local recovery_ms = tonumber(ARGV[5])
local half_open_max_calls = tonumber(ARGV[6])
local ttl_ms = tonumber(ARGV[7])
local now = now_ms()
local function num(field) return tonumber(redis.call('HGET', S, field) or '0') end
local state = redis.call('HGET', S, 'state')
if state ~= 'OPEN' and state ~= 'HALF_OPEN' then state = 'CLOSED' end
local function touch()
  redis.call('PEXPIRE', S, ttl_ms)
  redis.call('PEXPIRE', W, ttl_ms)
end
`;

// ---- memory side: the stored shape <-> a snapshot -------------------------------------------

function readSnapshot(view: MemoryView, stateKey: string, windowKey: string): CircuitSnapshot {
  const h = view.hgetall(stateKey);
  const state = h['state'] === 'OPEN' || h['state'] === 'HALF_OPEN' ? h['state'] : 'CLOSED';
  const time = (field: string) => (h[field] === undefined ? undefined : Number(h[field]));
  const opened = time('opened_at');
  const probeAt = time('probe_at');
  const changed = time('changed_at');
  return {
    state,
    consecutive_failures: Number(h['consecutive_failures'] ?? '0'),
    window: view.lrange(windowKey, 0, -1).filter((o): o is CircuitOutcome => o === 'S' || o === 'F'),
    probes: Number(h['probes'] ?? '0'),
    ...(opened === undefined ? {} : { opened_at_ms: opened }),
    ...(probeAt === undefined ? {} : { probe_at_ms: probeAt }),
    ...(changed === undefined ? {} : { changed_at_ms: changed }),
  };
}

function writeSnapshot(
  view: MemoryView,
  stateKey: string,
  windowKey: string,
  s: CircuitSnapshot,
  ttlMs: number,
): void {
  view.del(stateKey, windowKey);
  const fields: Record<string, string | number> = {};
  if (s.state !== 'CLOSED') fields['state'] = s.state;
  if (s.consecutive_failures !== 0) fields['consecutive_failures'] = s.consecutive_failures;
  if (s.probes !== 0) fields['probes'] = s.probes;
  if (s.opened_at_ms !== undefined) fields['opened_at'] = s.opened_at_ms;
  if (s.probe_at_ms !== undefined) fields['probe_at'] = s.probe_at_ms;
  if (s.changed_at_ms !== undefined) fields['changed_at'] = s.changed_at_ms;
  if (Object.keys(fields).length > 0) {
    view.hset(stateKey, fields);
    view.pexpire(stateKey, ttlMs);
  }
  if (s.window.length > 0) {
    view.rpush(windowKey, ...s.window);
    view.pexpire(windowKey, ttlMs);
  }
}

/** Runs a decision on the stored snapshot and stores the result when it changed. */
function applyMemory<D extends { readonly next: CircuitSnapshot }>(
  view: MemoryView,
  keys: readonly string[],
  ttlMs: number,
  decide: (s: CircuitSnapshot) => D,
): D {
  const [stateKey = '', windowKey = ''] = keys;
  const snapshot = readSnapshot(view, stateKey, windowKey);
  const decision = decide(snapshot);
  if (decision.next !== snapshot) writeSnapshot(view, stateKey, windowKey, decision.next, ttlMs);
  return decision;
}

const transitionReply = (t: MachineTransition | undefined) =>
  t === undefined ? ['', '', '', 0] : [t.from, t.to, t.reason, t.at_ms];

// ---- decoding ------------------------------------------------------------------------------

function replyState(reply: ScriptReply): CircuitState {
  const s = replyString(reply);
  if ((CIRCUIT_STATES as readonly string[]).includes(s)) return s as CircuitState;
  throw new WeftError('INTERNAL', `circuit script replied an unknown state ${JSON.stringify(s)}`);
}

function replyTransition(items: readonly ScriptReply[]): MachineTransition | undefined {
  const [from, to, reason, at] = items;
  if (from === '') return undefined;
  const why = replyString(reason ?? null);
  if (!(CIRCUIT_TRANSITION_REASONS as readonly string[]).includes(why)) {
    throw new WeftError('INTERNAL', `circuit script replied an unknown reason ${JSON.stringify(why)}`);
  }
  return {
    from: replyState(from ?? null),
    to: replyState(to ?? null),
    reason: why as MachineTransition['reason'],
    at_ms: replyInteger(at ?? null),
  };
}

export interface AcquireReply {
  readonly allowed: boolean;
  readonly state: CircuitState;
  readonly probe: boolean;
  readonly retry_after_ms: number;
  readonly transition?: MachineTransition;
}

export interface ChangeReply {
  readonly state: CircuitState;
  readonly transition?: MachineTransition;
}

export interface StatusReply {
  readonly state: CircuitState;
  readonly consecutive_failures: number;
  readonly window_calls: number;
  readonly window_failures: number;
  readonly probes: number;
  readonly opened_at_ms?: number;
  readonly changed_at_ms?: number;
}

function decodeChange(reply: ScriptReply): ChangeReply {
  const items = replyArray(reply);
  const transition = replyTransition(items.slice(1, 5));
  return { state: replyState(items[0] ?? null), ...(transition ? { transition } : {}) };
}

// ---- the scripts ---------------------------------------------------------------------------

/** See `decideAcquire`. Replies [allowed, state, probe, retry_after_ms, from, to, reason, at]. */
export const circuitAcquireScript: AtomicScript<AcquireReply> = {
  name: 'weft.circuit.acquire',
  lua: `${LUA_HEADER}
if state == 'CLOSED' then return { 1, state, 0, 0, '', '', '', 0 } end
if state == 'OPEN' then
  local waited = now - num('opened_at')
  if waited < recovery_ms then return { 0, state, 0, recovery_ms - waited, '', '', '', 0 } end
  redis.call('HSET', S, 'state', 'HALF_OPEN', 'probes', 1, 'probe_at', now, 'changed_at', now)
  touch()
  return { 1, 'HALF_OPEN', 1, 0, 'OPEN', 'HALF_OPEN', 'recovery_timeout', now }
end
local probes = num('probes')
local since = now - num('probe_at')
local full = probes >= half_open_max_calls
if full and since < recovery_ms then return { 0, state, 0, recovery_ms - since, '', '', '', 0 } end
if full then probes = 0 end
redis.call('HSET', S, 'probes', probes + 1, 'probe_at', now)
touch()
return { 1, state, 1, 0, '', '', '', 0 }
`,
  memory: (view, keys, args, nowMs) => {
    const limits = limitsOf(args);
    const d = applyMemory(view, keys, limits.ttl_ms, (s) => decideAcquire(s, limits, nowMs));
    return [
      d.allowed ? 1 : 0,
      d.next.state,
      d.probe ? 1 : 0,
      d.retry_after_ms,
      ...transitionReply(d.transition),
    ];
  },
  decode: (reply) => {
    const items = replyArray(reply);
    const transition = replyTransition(items.slice(4, 8));
    return {
      allowed: replyInteger(items[0] ?? null) === 1,
      state: replyState(items[1] ?? null),
      probe: replyInteger(items[2] ?? null) === 1,
      retry_after_ms: replyInteger(items[3] ?? null),
      ...(transition ? { transition } : {}),
    };
  },
};

/** See `decideRecord`. ARGV[8]: `S` or `F`. Replies [state, from, to, reason, at]. */
export const circuitRecordScript: AtomicScript<ChangeReply> = {
  name: 'weft.circuit.record',
  lua: `${LUA_HEADER}
local failed = ARGV[8] == 'F'
if state == 'OPEN' then return { state, '', '', '', 0 } end
if state == 'HALF_OPEN' then
  if failed then
    redis.call('HINCRBY', S, 'consecutive_failures', 1)
    redis.call('HSET', S, 'state', 'OPEN', 'probes', 0, 'opened_at', now, 'changed_at', now)
    touch()
    return { 'OPEN', 'HALF_OPEN', 'OPEN', 'probe_failed', now }
  end
  redis.call('DEL', S, W)
  redis.call('HSET', S, 'changed_at', now)
  touch()
  return { 'CLOSED', 'HALF_OPEN', 'CLOSED', 'probe_succeeded', now }
end
redis.call('RPUSH', W, ARGV[8])
redis.call('LTRIM', W, -window_size, -1)
local consecutive = 0
if failed then
  consecutive = redis.call('HINCRBY', S, 'consecutive_failures', 1)
else
  redis.call('HDEL', S, 'consecutive_failures')
end
local outcomes = redis.call('LRANGE', W, 0, -1)
local failures = 0
for _, outcome in ipairs(outcomes) do
  if outcome == 'F' then failures = failures + 1 end
end
local reason = ''
if consecutive >= failure_threshold then
  reason = 'failure_threshold'
elseif #outcomes >= minimum_calls and failures / #outcomes >= failure_rate_threshold then
  reason = 'failure_rate'
end
if reason ~= '' then
  redis.call('HSET', S, 'state', 'OPEN', 'probes', 0, 'opened_at', now, 'changed_at', now)
end
touch()
if reason == '' then return { state, '', '', '', 0 } end
return { 'OPEN', 'CLOSED', 'OPEN', reason, now }
`,
  memory: (view, keys, args, nowMs) => {
    const limits = limitsOf(args);
    const failed = args[7] === 'F';
    const d = applyMemory(view, keys, limits.ttl_ms, (s) => decideRecord(s, failed, limits, nowMs));
    return [d.next.state, ...transitionReply(d.transition)];
  },
  decode: decodeChange,
};

/** See `decideReset`. Replies [state, from, to, reason, at]. */
export const circuitResetScript: AtomicScript<ChangeReply> = {
  name: 'weft.circuit.reset',
  lua: `${LUA_HEADER}
redis.call('DEL', S, W)
if state == 'CLOSED' then return { 'CLOSED', '', '', '', 0 } end
redis.call('HSET', S, 'changed_at', now)
touch()
return { 'CLOSED', state, 'CLOSED', 'reset', now }
`,
  memory: (view, keys, args, nowMs) => {
    const limits = limitsOf(args);
    const d = applyMemory(view, keys, limits.ttl_ms, (s) => decideReset(s, nowMs));
    return [d.next.state, ...transitionReply(d.transition)];
  },
  decode: decodeChange,
};

/**
 * Reads the stored state (both keys at one instant). Replies [state, consecutive_failures,
 * window_calls, window_failures, probes, opened_at or '', changed_at or ''].
 */
export const circuitStatusScript: AtomicScript<StatusReply> = {
  name: 'weft.circuit.status',
  lua: `${LUA_HEADER}
local outcomes = redis.call('LRANGE', W, 0, -1)
local failures = 0
for _, outcome in ipairs(outcomes) do
  if outcome == 'F' then failures = failures + 1 end
end
return { state, num('consecutive_failures'), #outcomes, failures, num('probes'),
  redis.call('HGET', S, 'opened_at') or '', redis.call('HGET', S, 'changed_at') or '' }
`,
  memory: (view, keys) => {
    const [stateKey = '', windowKey = ''] = keys;
    const s = readSnapshot(view, stateKey, windowKey);
    return [
      s.state,
      s.consecutive_failures,
      s.window.length,
      s.window.filter((o) => o === 'F').length,
      s.probes,
      s.opened_at_ms === undefined ? '' : String(s.opened_at_ms),
      s.changed_at_ms === undefined ? '' : String(s.changed_at_ms),
    ];
  },
  decode: (reply) => {
    const items = replyArray(reply);
    const time = (r: ScriptReply | undefined) => {
      const text = replyString(r ?? null);
      if (text === '') return undefined;
      const ms = Number(text);
      if (!Number.isSafeInteger(ms)) throw new WeftError('INTERNAL', `circuit time ${JSON.stringify(text)}`);
      return ms;
    };
    const opened = time(items[5]);
    const changed = time(items[6]);
    return {
      state: replyState(items[0] ?? null),
      consecutive_failures: replyInteger(items[1] ?? null),
      window_calls: replyInteger(items[2] ?? null),
      window_failures: replyInteger(items[3] ?? null),
      probes: replyInteger(items[4] ?? null),
      ...(opened === undefined ? {} : { opened_at_ms: opened }),
      ...(changed === undefined ? {} : { changed_at_ms: changed }),
    };
  },
};
