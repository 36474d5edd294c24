import { WeftError, isWeftError } from '@weft/contracts';
import type { AtomicScript, ScriptReply } from './kv.port';

/**
 * Converts what a script produced the way Redis converts a Lua value for its client, so `decode`
 * sees the same reply from both adapters: numbers are truncated to integers, `true` is 1,
 * `false`/`null`/`undefined` are nil (`null`), arrays convert item by item. Anything else (an
 * object, a bigint, a promise) cannot come out of Lua: the script is wrong.
 */
export function toScriptReply(value: unknown, scriptName: string): ScriptReply {
  if (value === undefined || value === null || value === false) return null;
  if (value === true) return 1;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw badValue(scriptName, String(value));
    return Math.trunc(value) || 0; // never -0
  }
  if (Array.isArray(value)) return value.map((item: unknown) => toScriptReply(item, scriptName));
  if (value instanceof Promise) throw badValue(scriptName, 'a promise (memory scripts must be synchronous)');
  throw badValue(scriptName, typeof value === 'object' ? 'an object' : typeof value);
}

/** The script's typed result; a decoder that throws something else than a WeftError is a bug too. */
export function decodeScriptResult<R>(script: AtomicScript<R>, raw: unknown): R {
  const reply = toScriptReply(raw, script.name);
  try {
    return script.decode(reply);
  } catch (error) {
    if (isWeftError(error)) throw error;
    throw new WeftError('INTERNAL', `atomic script ${script.name}: cannot decode ${JSON.stringify(reply)}`, {
      cause: error,
    });
  }
}

function badValue(scriptName: string, what: string): WeftError {
  return new WeftError('INTERNAL', `atomic script ${scriptName} returned ${what}, which Lua cannot return`);
}
