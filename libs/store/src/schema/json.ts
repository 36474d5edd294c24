import { WeftError } from '@weft/contracts';

/** A JSON document as it comes back from a `jsonb` column (both dialects parse it). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * What callers may hand to a JSON column: any JSON-serialisable value. Typed loosely on purpose,
 * so interfaces and zod-inferred types (which lack index signatures) are accepted.
 */
export type JsonInput = string | number | boolean | null | object;

declare const jsonTextBrand: unique symbol;

/**
 * A JSON document already serialised to text, the only thing a `jsonb` column accepts on write.
 *
 * Why: `pg` turns a JS array parameter into a Postgres array literal (`{1,2}`) and sends a JS
 * string as raw text, while PGlite serialises by the column's type. Passing JSON text makes both
 * dialects store exactly the same document. Build it with {@link toJsonText}.
 */
export type JsonText = string & { readonly [jsonTextBrand]: true };

/** Serialise a value for a `jsonb` column. `undefined`, functions, symbols and bigints are bugs. */
export function toJsonText(value: JsonInput): JsonText {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new WeftError('INTERNAL', 'value is not JSON-serialisable', { cause });
  }
  if (text === undefined) {
    throw new WeftError('INTERNAL', `value of type ${typeof value} is not JSON-serialisable`);
  }
  return text as JsonText;
}

/**
 * For nullable JSON columns: `undefined` stays `undefined` (column left alone / default) and
 * `null` becomes SQL NULL. Reading gives `null` either way, so a JSON `null` is not kept apart.
 */
export function toNullableJsonText(value: JsonInput | undefined): JsonText | null | undefined {
  if (value === undefined) return undefined;
  return value === null ? null : toJsonText(value);
}

/** For non-null JSON columns with a default: `undefined` stays `undefined`. */
export function toOptionalJsonText(value: JsonInput | undefined): JsonText | undefined {
  return value === undefined ? undefined : toJsonText(value);
}
