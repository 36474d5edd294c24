import { WeftError } from '@weft/contracts';
import type { MemoryView, SetOptions } from '../kv.port';

type Entry =
  | { readonly type: 'string'; value: string; expiresAt: number | undefined }
  | { readonly type: 'hash'; readonly value: Map<string, string>; expiresAt: number | undefined }
  | { readonly type: 'list'; value: string[]; expiresAt: number | undefined };

type EntryOf<T extends Entry['type']> = Extract<Entry, { type: T }>;

const INTEGER = /^(0|-?[1-9][0-9]*)$/;

function wrongType(): WeftError {
  return new WeftError('INTERNAL', 'WRONGTYPE Operation against a key holding the wrong kind of value');
}

function parseInteger(value: string, message: string): number {
  const n = Number(value);
  if (!INTEGER.test(value) || !Number.isSafeInteger(n)) throw new WeftError('INTERNAL', message);
  return n;
}

function checkedSum(a: number, b: number): number {
  const sum = a + b;
  // Redis stops at 64 bits; JS numbers stay exact only up to 2^53 (a documented divergence).
  if (!Number.isSafeInteger(sum))
    throw new WeftError('INTERNAL', 'ERR increment or decrement would overflow');
  return sum;
}

function requireArguments(count: number, command: string): void {
  if (count === 0) throw new WeftError('INTERNAL', `ERR wrong number of arguments for '${command}' command`);
}

/** Redis list index normalisation shared by LRANGE and LTRIM: an inclusive [from, to] or nothing. */
function listRange(length: number, start: number, stop: number): [number, number] | undefined {
  let from = start < 0 ? length + start : start;
  let to = stop < 0 ? length + stop : stop;
  if (from < 0) from = 0;
  if (to >= length) to = length - 1;
  return from > to || from >= length ? undefined : [from, to];
}

/**
 * An in-memory keyspace with Redis semantics and lazy TTL expiry: an expired key is dropped when
 * touched (and by `sweep`). Every method is synchronous, which is what makes the memory adapter's
 * scripts atomic. Expiry follows Redis: a key lives while `now <= expiresAt`.
 */
export class MemoryKeyspace implements MemoryView {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number) {}

  /** Drops every expired key; resolves how many were dropped. */
  sweep(): number {
    const now = this.now();
    let dropped = 0;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt !== undefined && now > entry.expiresAt) {
        this.entries.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  /** Live keys starting with `prefix` (a snapshot). */
  keysWithPrefix(prefix: string): string[] {
    const keys: string[] = [];
    for (const key of [...this.entries.keys()]) {
      if (key.startsWith(prefix) && this.live(key) !== undefined) keys.push(key);
    }
    return keys;
  }

  get(key: string): string | undefined {
    return this.typed(key, 'string')?.value;
  }

  set(key: string, value: string, options: SetOptions = {}): boolean {
    if (options.onlyIfAbsent === true && this.live(key) !== undefined) return false;
    const expiresAt = options.ttlMs === undefined ? undefined : this.now() + options.ttlMs;
    this.entries.set(key, { type: 'string', value, expiresAt });
    return true;
  }

  del(...keys: string[]): number {
    requireArguments(keys.length, 'del');
    let removed = 0;
    for (const key of keys) {
      if (this.live(key) !== undefined) {
        this.entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  exists(...keys: string[]): number {
    requireArguments(keys.length, 'exists');
    return keys.filter((key) => this.live(key) !== undefined).length;
  }

  incrBy(key: string, by: number): number {
    const entry = this.typed(key, 'string');
    const current =
      entry === undefined ? 0 : parseInteger(entry.value, 'ERR value is not an integer or out of range');
    const next = checkedSum(current, by);
    if (entry === undefined)
      this.entries.set(key, { type: 'string', value: String(next), expiresAt: undefined });
    else entry.value = String(next);
    return next;
  }

  pexpire(key: string, ttlMs: number): number {
    const entry = this.live(key);
    if (entry === undefined) return 0;
    // As in Redis, a TTL that is already over deletes the key.
    if (ttlMs <= 0) this.entries.delete(key);
    else entry.expiresAt = this.now() + ttlMs;
    return 1;
  }

  pttl(key: string): number {
    const entry = this.live(key);
    if (entry === undefined) return -2;
    return entry.expiresAt === undefined ? -1 : entry.expiresAt - this.now();
  }

  hget(key: string, field: string): string | undefined {
    return this.typed(key, 'hash')?.value.get(field);
  }

  hset(key: string, fields: Readonly<Record<string, string | number>>): number {
    const pairs = Object.entries(fields);
    requireArguments(pairs.length, 'hset');
    const hash = this.typedOrCreate(key, 'hash', () => ({
      type: 'hash',
      value: new Map(),
      expiresAt: undefined,
    }));
    let added = 0;
    for (const [field, value] of pairs) {
      if (!hash.value.has(field)) added++;
      hash.value.set(field, String(value));
    }
    return added;
  }

  hgetall(key: string): Record<string, string> {
    return Object.fromEntries(this.typed(key, 'hash')?.value ?? []);
  }

  hdel(key: string, ...fields: string[]): number {
    requireArguments(fields.length, 'hdel');
    const hash = this.typed(key, 'hash');
    if (hash === undefined) return 0;
    let removed = 0;
    for (const field of fields) if (hash.value.delete(field)) removed++;
    if (hash.value.size === 0) this.entries.delete(key);
    return removed;
  }

  hincrBy(key: string, field: string, by: number): number {
    const hash = this.typedOrCreate(key, 'hash', () => ({
      type: 'hash',
      value: new Map(),
      expiresAt: undefined,
    }));
    const raw = hash.value.get(field);
    const current = raw === undefined ? 0 : parseInteger(raw, 'ERR hash value is not an integer');
    const next = checkedSum(current, by);
    hash.value.set(field, String(next));
    return next;
  }

  rpush(key: string, ...values: (string | number)[]): number {
    requireArguments(values.length, 'rpush');
    const list = this.typedOrCreate(key, 'list', () => ({ type: 'list', value: [], expiresAt: undefined }));
    list.value.push(...values.map(String));
    return list.value.length;
  }

  lpush(key: string, ...values: (string | number)[]): number {
    requireArguments(values.length, 'lpush');
    const list = this.typedOrCreate(key, 'list', () => ({ type: 'list', value: [], expiresAt: undefined }));
    list.value.unshift(...values.map(String).reverse());
    return list.value.length;
  }

  lrange(key: string, start: number, stop: number): string[] {
    const list = this.typed(key, 'list');
    const range = list === undefined ? undefined : listRange(list.value.length, start, stop);
    return list === undefined || range === undefined ? [] : list.value.slice(range[0], range[1] + 1);
  }

  ltrim(key: string, start: number, stop: number): void {
    const list = this.typed(key, 'list');
    if (list === undefined) return;
    const range = listRange(list.value.length, start, stop);
    if (range === undefined) this.entries.delete(key);
    else list.value = list.value.slice(range[0], range[1] + 1);
  }

  llen(key: string): number {
    return this.typed(key, 'list')?.value.length ?? 0;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry?.expiresAt !== undefined && this.now() > entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private typed<T extends Entry['type']>(key: string, type: T): EntryOf<T> | undefined {
    const entry = this.live(key);
    if (entry === undefined) return undefined;
    if (!isType(entry, type)) throw wrongType();
    return entry;
  }

  private typedOrCreate<T extends Entry['type']>(key: string, type: T, create: () => EntryOf<T>): EntryOf<T> {
    const existing = this.typed(key, type);
    if (existing !== undefined) return existing;
    const created = create();
    this.entries.set(key, created);
    return created;
  }
}

function isType<T extends Entry['type']>(entry: Entry, type: T): entry is EntryOf<T> {
  return entry.type === type;
}
