import { WeftError } from '@weft/contracts';
import { decodeCursor, encodeCursor, type CursorKey, type CursorKind, type CursorValue } from './cursor';

/** One page of a list (SPEC §6). */
export interface Page<T> {
  readonly items: T[];
  readonly next_cursor: string | null;
}

export interface PageRequest {
  /** 1 to {@link MAX_PAGE_SIZE}. */
  readonly limit: number;
  /** `next_cursor` of the previous page; absent or `null` for the first page. */
  readonly cursor?: string | null;
}

export const MAX_PAGE_SIZE = 1000;

/** Throws VALIDATION_FAILED for a limit outside 1..1000. */
export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new WeftError('VALIDATION_FAILED', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`, {
      details: [{ pointer: '/limit', message: `must be an integer from 1 to ${MAX_PAGE_SIZE}` }],
    });
  }
  return limit;
}

/** Decode the request's cursor, or throw VALIDATION_FAILED: callers pass client input here. */
export function cursorKey<const K extends readonly CursorKind[]>(
  cursor: string | null | undefined,
  kinds: K,
): CursorKey<K> | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  const decoded = decodeCursor(cursor, kinds);
  if (!decoded.ok) throw decoded.error;
  return decoded.value;
}

/** Turn `limit + 1` fetched rows into a page; the extra row only says that another page exists. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => readonly CursorValue[]): Page<T> {
  if (rows.length <= limit) return { items: rows, next_cursor: null };
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, next_cursor: last === undefined ? null : encodeCursor(keyOf(last)) };
}
