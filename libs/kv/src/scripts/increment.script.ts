import type { AtomicScript } from '../kv.port';
import { replyInteger } from '../script-replies';

/**
 * `KeyValueStore.increment`, shared by both adapters: INCRBY, then a TTL when the key has none.
 * KEYS: [counter]. ARGV: [by, ttlMs or ''].
 */
export const incrementScript: AtomicScript<number> = {
  name: 'weft.kv.increment',
  lua: `
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if ARGV[2] ~= '' and redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return value
`,
  memory: (view, keys, args) => {
    const key = keys[0] ?? '';
    const value = view.incrBy(key, Number(args[0]));
    const ttl = args[1] ?? '';
    if (ttl !== '' && view.pttl(key) === -1) view.pexpire(key, Number(ttl));
    return value;
  },
  decode: replyInteger,
};
