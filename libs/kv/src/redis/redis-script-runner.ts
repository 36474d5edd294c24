import { createHash } from 'node:crypto';
import type { AtomicScript } from '../kv.port';
import { LUA_PRELUDE } from './lua-prelude';
import { isReplyError } from './redis-errors';

/** The two ioredis commands the runner needs, typed structurally. */
export interface ScriptClient {
  evalsha(sha: string, numberOfKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
  eval(source: string, numberOfKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

interface LoadedScript {
  readonly source: string;
  readonly sha: string;
}

/**
 * Runs atomic scripts by EVALSHA, falling back to EVAL (which also caches the script on the
 * server) when Redis answers NOSCRIPT: after a restart, a SCRIPT FLUSH or on a new replica.
 * Keys arrive already prefixed. Redis runs a script to completion before any other command.
 */
export function createScriptRunner(client: ScriptClient) {
  const loaded = new Map<string, LoadedScript>();

  function load(lua: string): LoadedScript {
    let script = loaded.get(lua);
    if (script === undefined) {
      const source = LUA_PRELUDE + lua;
      script = { source, sha: createHash('sha1').update(source).digest('hex') };
      loaded.set(lua, script);
    }
    return script;
  }

  return async function run(script: AtomicScript<unknown>, keys: readonly string[], args: readonly string[]) {
    const { source, sha } = load(script.lua);
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isReplyError(error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(source, keys.length, ...keys, ...args);
    }
  };
}
