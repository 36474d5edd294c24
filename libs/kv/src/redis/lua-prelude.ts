/**
 * Prepended to every atomic script's Lua. `now_ms()` is the Redis server clock in milliseconds,
 * the counterpart of the memory script's `nowMs` (one clock for every process sharing Redis;
 * Redis 5+ replicates script effects, so reading TIME before writing is allowed).
 */
export const LUA_PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;
