import type { AtomicScript, KeyValueStore } from '../kv.port';
import { checkTtlMs } from '../kv-arguments';
import { replyBoolean } from '../script-replies';

/**
 * Compare-and-set on a string key. KEYS: [key]. ARGV: [mode, expected, next, ttlMs or ''], where
 * mode is `absent` (write only when the key does not exist) or `equals` (write only when it holds
 * `expected`). Replies 1 when it wrote. A plain write drops the TTL, as SET does.
 */
export const compareAndSetScript: AtomicScript<boolean> = {
  name: 'weft.kv.compare-and-set',
  lua: `
local current = redis.call('GET', KEYS[1])
local matches
if ARGV[1] == 'absent' then matches = (current == false) else matches = (current == ARGV[2]) end
if not matches then return 0 end
if ARGV[4] ~= '' then
  redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[3])
end
return 1
`,
  memory: (view, keys, args) => {
    const key = keys[0] ?? '';
    const current = view.get(key);
    const matches = args[0] === 'absent' ? current === undefined : current === args[1];
    if (!matches) return 0;
    const ttl = args[3] ?? '';
    view.set(key, args[2] ?? '', ttl === '' ? {} : { ttlMs: Number(ttl) });
    return 1;
  },
  decode: replyBoolean,
};

/**
 * Writes `next` at `key` only if it currently holds `expected` (`undefined`: only if absent).
 * Resolves whether it wrote.
 */
export async function compareAndSet(
  store: KeyValueStore,
  key: string,
  expected: string | undefined,
  next: string,
  options: { readonly ttlMs?: number } = {},
): Promise<boolean> {
  checkTtlMs(options.ttlMs, 'compareAndSet');
  return store.atomic(
    compareAndSetScript,
    [key],
    [expected === undefined ? 'absent' : 'equals', expected ?? '', next, options.ttlMs ?? ''],
  );
}
