import { err, ok, WeftError, type Result } from '@weft/contracts';
import { showReference } from './expression-errors';
import type { ReferenceScope } from './reference';
import { resolveReference } from './reference-resolver';
import { parseTemplate } from './template-parser';

/** How a referenced value reads inside surrounding text; `undefined` when it has no text form. */
function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value === null || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (typeof value !== 'object') return undefined;
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/**
 * Resolve a string. Exactly one reference and nothing else yields the referenced value with its
 * type; otherwise the references are interpolated into the text (strings as they are, numbers,
 * booleans and null through String, objects and arrays as JSON).
 */
export function resolveTemplate(s: string, scope: ReferenceScope): Result<unknown, WeftError> {
  const parsed = parseTemplate(s);
  if (!parsed.ok) return parsed;
  const parts = parsed.value;
  const [only] = parts;
  if (parts.length === 1 && only?.kind === 'ref') return resolveReference(only.ref, scope);
  let out = '';
  for (const part of parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const value = resolveReference(part.ref, scope);
    if (!value.ok) return value;
    const text = asText(value.value);
    if (text === undefined)
      return err(
        new WeftError(
          'MAPPING_FAILED',
          `reference ${showReference(part.ref.raw)} has a value that cannot be put in text`,
        ),
      );
    out += text;
  }
  return ok(out);
}
