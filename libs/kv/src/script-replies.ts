import { WeftError } from '@weft/contracts';
import type { ScriptReply } from './kv.port';

/**
 * Decoders for `AtomicScript.decode`: they check the reply shape instead of casting (STYLE 7).
 * A reply of the wrong shape means the script and its decoder disagree, a bug: `INTERNAL`.
 */
function unexpected(expected: string, reply: ScriptReply): WeftError {
  return new WeftError('INTERNAL', `atomic script replied ${JSON.stringify(reply)}, expected ${expected}`);
}

export function replyInteger(reply: ScriptReply): number {
  if (typeof reply === 'number') return reply;
  throw unexpected('an integer', reply);
}

export function replyBoolean(reply: ScriptReply): boolean {
  if (reply === 1) return true;
  if (reply === 0 || reply === null) return false;
  throw unexpected('1, 0 or nil', reply);
}

export function replyString(reply: ScriptReply): string {
  if (typeof reply === 'string') return reply;
  throw unexpected('a string', reply);
}

export function replyOptionalString(reply: ScriptReply): string | undefined {
  if (reply === null) return undefined;
  return replyString(reply);
}

export function replyArray(reply: ScriptReply): readonly ScriptReply[] {
  if (Array.isArray(reply)) return reply;
  throw unexpected('an array', reply);
}

/** A flat `[field, value, field, value, ...]` array (what `HGETALL` gives Lua) as a record. */
export function replyRecord(reply: ScriptReply): Record<string, string> {
  const items = replyArray(reply);
  if (items.length % 2 !== 0) throw unexpected('an even-length field/value array', reply);
  const entries: [string, string][] = [];
  for (let i = 0; i < items.length; i += 2)
    entries.push([replyString(items[i] ?? null), replyString(items[i + 1] ?? null)]);
  // fromEntries defines own properties, so a field named `__proto__` stays data.
  return Object.fromEntries(entries);
}
