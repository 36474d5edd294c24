import { err, ok, type Result, type WeftError } from '@weft/contracts';
import { invalidReference, invalidTemplate } from './expression-errors';
import { MAX_REFERENCE_LENGTH, MAX_TEMPLATE_LENGTH } from './limits';
import type { ParseFailure, TemplatePart } from './reference';
import { parseReferenceBody } from './reference-parser';

/**
 * The offset of the `}` closing a reference whose body starts at `from`. Quoted strings are skipped
 * (a default may hold `}`), a `${` inside is refused, and the scan stops once the reference is
 * longer than allowed: linear in the input, no backtracking.
 */
function findReferenceEnd(s: string, from: number): Result<number, ParseFailure> {
  const opening = from - 2;
  const tooLong = (): Result<never, ParseFailure> =>
    err({ message: `reference longer than ${MAX_REFERENCE_LENGTH} characters`, position: opening });
  let k = from;
  while (k < s.length) {
    if (k - from > MAX_REFERENCE_LENGTH) return tooLong();
    const c = s[k];
    if (c === '}') return ok(k);
    if (c === '$' && s[k + 1] === '{') return err({ message: "nested '${' inside a reference", position: k });
    if (c === "'" || c === '"') {
      k++;
      while (k < s.length && s[k] !== c) k += s[k] === '\\' ? 2 : 1;
      if (k >= s.length) return err({ message: 'unterminated string inside a reference', position: opening });
    }
    k++;
  }
  return err({ message: "unterminated reference: missing '}'", position: opening });
}

/** Templates parsed lately, by their text: a run's steps resolve the same few templates again and again. */
const parsed = new Map<string, readonly TemplatePart[]>();
const MAX_PARSED = 2_000;

/** Freeze a parse result all the way down: it is shared by every caller of the same template. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Split a string into text and `${...}` references. `$${` is a literal `${`. A string without `${`
 * is plain text whatever its length; one with references is limited to MAX_TEMPLATE_LENGTH.
 * Error positions count from the start of `s`. The parts are frozen and shared: a template is
 * parsed once while it stays among the last 2,000 parsed (errors are not kept).
 */
export function parseTemplate(s: string): Result<readonly TemplatePart[], WeftError> {
  if (!s.includes('${')) return ok(s === '' ? [] : [{ kind: 'text', text: s }]);
  const known = parsed.get(s);
  if (known !== undefined) return ok(known);
  const result = parseReferences(s);
  if (!result.ok) return result;
  if (parsed.size >= MAX_PARSED) parsed.clear();
  parsed.set(s, deepFreeze(result.value));
  return result;
}

function parseReferences(s: string): Result<TemplatePart[], WeftError> {
  if (s.length > MAX_TEMPLATE_LENGTH) {
    return err(
      invalidTemplate({
        message: `template longer than ${MAX_TEMPLATE_LENGTH} characters (${s.length})`,
        position: MAX_TEMPLATE_LENGTH,
      }),
    );
  }
  const parts: TemplatePart[] = [];
  let text = '';
  let textStart = 0;
  let i = 0;
  while (i < s.length) {
    if (s[i] !== '$') {
      i++;
      continue;
    }
    if (s[i + 1] === '$' && s[i + 2] === '{') {
      text += s.slice(textStart, i) + '${';
      i += 3;
      textStart = i;
      continue;
    }
    if (s[i + 1] !== '{') {
      i++;
      continue;
    }
    const end = findReferenceEnd(s, i + 2);
    if (!end.ok) return err(invalidTemplate(end.error));
    const raw = s.slice(i, end.value + 1);
    const ref = parseReferenceBody(s.slice(i + 2, end.value), raw);
    if (!ref.ok)
      return err(invalidReference(raw, { message: ref.error.message, position: ref.error.position + i + 2 }));
    text += s.slice(textStart, i);
    if (text !== '') parts.push({ kind: 'text', text });
    parts.push({ kind: 'ref', ref: ref.value });
    text = '';
    i = end.value + 1;
    textStart = i;
  }
  text += s.slice(textStart);
  if (text !== '') parts.push({ kind: 'text', text });
  return ok(parts);
}
