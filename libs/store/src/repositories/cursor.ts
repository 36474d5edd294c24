import { err, ok, WeftError, type Result } from '@weft/contracts';

/**
 * Opaque keyset cursors: the sort key of the last item of a page, as a JSON array, in base64url.
 * Decoding checks the shape against what the list expects, so a cursor never reaches SQL unchecked.
 */
export type CursorValue = string | number;

export type CursorKind = 'string' | 'integer' | 'timestamp' | 'uuid';

type ValueOf<K extends CursorKind> = K extends 'integer' ? number : string;
export type CursorKey<K extends readonly CursorKind[]> = { -readonly [I in keyof K]: ValueOf<K[I]> };

const MAX_CURSOR_LENGTH = 2048;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIMESTAMP = /^[+-]?\d{4,6}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})$/;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function encodeCursor(key: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function invalid(message: string): Result<never, WeftError> {
  return err(
    new WeftError('VALIDATION_FAILED', `invalid cursor: ${message}`, {
      details: [{ pointer: '/cursor', message }],
    }),
  );
}

function matches(kind: CursorKind, value: unknown): boolean {
  switch (kind) {
    case 'integer':
      return Number.isSafeInteger(value);
    case 'string':
      return typeof value === 'string';
    case 'uuid':
      return typeof value === 'string' && UUID.test(value);
    case 'timestamp':
      return typeof value === 'string' && ISO_TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value));
  }
}

/** Decode a cursor made by {@link encodeCursor} for a list whose sort key has these kinds. */
export function decodeCursor<const K extends readonly CursorKind[]>(
  cursor: string,
  kinds: K,
): Result<CursorKey<K>, WeftError> {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor))
    return invalid('not a cursor');
  const bytes = Buffer.from(cursor, 'base64url');
  if (bytes.toString('base64url') !== cursor) return invalid('not a cursor');
  let key: unknown;
  try {
    key = JSON.parse(bytes.toString('utf8'));
  } catch {
    return invalid('not a cursor');
  }
  if (!Array.isArray(key) || key.length !== kinds.length) return invalid('not a cursor for this list');
  for (const [i, kind] of kinds.entries()) {
    if (!matches(kind, key[i])) return invalid('not a cursor for this list');
  }
  return ok(key as CursorKey<K>);
}
