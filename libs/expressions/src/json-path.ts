import { err, ok, type Result } from '@weft/contracts';
import { MAX_INDEX_DIGITS } from './limits';
import type { ParseFailure } from './reference';

/**
 * The JSONPath subset a reference may use, parsed by hand (no regex backtracking): dot and bracket
 * names, indices (negative too), `*`, recursive descent `..`, and slices. Filter and script
 * expressions are refused, as is any name that reaches the prototype chain.
 */
export type PathSegment =
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'slice'; readonly start?: number; readonly end?: number; readonly step?: number }
  /** `..`: always followed by a name, index, wildcard or slice segment. */
  | { readonly kind: 'descent' };

export const FILTER_DISABLED_MESSAGE = 'JSONPath filter and script expressions are disabled';

/** Names that would reach an object's prototype chain. */
export const PROTOTYPE_NAMES: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Characters a quoted bracket name may not hold: quotes and brackets end the name, and the others
 * are operators of the JSONPath evaluator (`,` union, `~` `^` `@` `$` `` ` `` `(` `)` selectors,
 * `;` `%` its internal separators), so a name holding them could not be addressed literally.
 */
const FORBIDDEN_NAME_CHARS = new Set([
  "'",
  '"',
  '[',
  ']',
  ';',
  ',',
  '~',
  '^',
  '`',
  '@',
  '$',
  '(',
  ')',
  '%',
  '\\',
]);

/** A name the evaluator would read as a selector rather than as a key. */
function isSelectorLikeName(name: string): boolean {
  if (name === '*') return true;
  if (/^\.+$/.test(name)) return true;
  return /^-?\d*:-?\d*:?\d*$/.test(name);
}

export function isDotNameChar(c: string | undefined): boolean {
  return c !== undefined && /^[A-Za-z0-9_-]$/.test(c);
}

const fail = (message: string, position: number): Result<never, ParseFailure> => err({ message, position });

function checkName(name: string, position: number): Result<string, ParseFailure> {
  if (PROTOTYPE_NAMES.has(name))
    return fail(`path segment '${name}' is not allowed (prototype access)`, position);
  return ok(name);
}

function readDotName(src: string, pos: number): { name: string; end: number } {
  let end = pos;
  while (isDotNameChar(src[end])) end++;
  return { name: src.slice(pos, end), end };
}

function readInteger(
  src: string,
  pos: number,
): Result<{ value: number; end: number } | undefined, ParseFailure> {
  let end = pos;
  if (src[end] === '-') end++;
  const digitsStart = end;
  while (end < src.length && src.charCodeAt(end) >= 48 && src.charCodeAt(end) <= 57) end++;
  if (end === digitsStart) return end === pos ? ok(undefined) : fail("expected digits after '-'", pos);
  if (end - digitsStart > MAX_INDEX_DIGITS)
    return fail(`index has more than ${MAX_INDEX_DIGITS} digits`, pos);
  return ok({ value: Number.parseInt(src.slice(pos, end), 10), end });
}

function parseQuotedName(
  src: string,
  pos: number,
): Result<{ segment: PathSegment; end: number }, ParseFailure> {
  const quote = src[pos];
  const close = src.indexOf(quote ?? '', pos + 1);
  if (close === -1) return fail('unterminated quoted name', pos);
  const name = src.slice(pos + 1, close);
  if (name.includes('?(') || name.includes('(@')) return fail(FILTER_DISABLED_MESSAGE, pos);
  if (name === '') return fail('empty name in brackets', pos);
  for (const c of name) {
    if (FORBIDDEN_NAME_CHARS.has(c) || c.charCodeAt(0) < 32 || c === '\u007f') {
      return fail(`character ${JSON.stringify(c)} is not allowed in a bracket name`, pos);
    }
  }
  if (isSelectorLikeName(name))
    return fail(`bracket name '${name}' cannot be told apart from a selector`, pos);
  const checked = checkName(name, pos);
  if (!checked.ok) return checked;
  if (src[close + 1] !== ']') return fail("expected ']' after quoted name", close + 1);
  return ok({ segment: { kind: 'name', name }, end: close + 2 });
}

function parseIndexOrSlice(
  src: string,
  pos: number,
): Result<{ segment: PathSegment; end: number }, ParseFailure> {
  const first = readInteger(src, pos);
  if (!first.ok) return first;
  let end = first.value?.end ?? pos;
  if (src[end] === ']' && first.value)
    return ok({ segment: { kind: 'index', index: first.value.value }, end: end + 1 });
  if (src[end] !== ':') return fail("expected an index, a quoted name, '*' or a slice inside '[...]'", pos);
  const second = readInteger(src, end + 1);
  if (!second.ok) return second;
  end = second.value?.end ?? end + 1;
  let step: number | undefined;
  if (src[end] === ':') {
    const third = readInteger(src, end + 1);
    if (!third.ok) return third;
    end = third.value?.end ?? end + 1;
    step = third.value?.value;
    if (step !== undefined && step <= 0) return fail('slice step must be a positive integer', pos);
  }
  if (src[end] !== ']') return fail("expected ']' to close the slice", end);
  const endBound = second.value?.value;
  if (endBound === 0) return fail('slice end 0 selects nothing; omit the end instead', pos);
  const startBound = first.value?.value;
  const segment: PathSegment = {
    kind: 'slice',
    ...(startBound === undefined ? {} : { start: startBound }),
    ...(endBound === undefined ? {} : { end: endBound }),
    ...(step === undefined ? {} : { step }),
  };
  return ok({ segment, end: end + 1 });
}

/** `[...]` starting at `pos` (which holds `[`). */
function parseBracket(src: string, pos: number): Result<{ segment: PathSegment; end: number }, ParseFailure> {
  const c = src[pos + 1];
  if (c === '?' || c === '(' || c === '@') return fail(FILTER_DISABLED_MESSAGE, pos);
  if (c === '*') {
    if (src[pos + 2] !== ']') return fail("expected ']' after '*'", pos + 2);
    return ok({ segment: { kind: 'wildcard' }, end: pos + 3 });
  }
  if (c === "'" || c === '"') return parseQuotedName(src, pos + 1);
  if (c === undefined) return fail("unterminated '['", pos);
  return parseIndexOrSlice(src, pos + 1);
}

/** The selector after `.` or `..`: `*`, a dot name, or (after `..` only) a bracket. */
function parseSelectorAfterDot(
  src: string,
  pos: number,
  afterDescent: boolean,
): Result<{ segment: PathSegment; end: number }, ParseFailure> {
  const c = src[pos];
  if (c === '*') return ok({ segment: { kind: 'wildcard' }, end: pos + 1 });
  if (c === '?' || c === '(' || c === '@') return fail(FILTER_DISABLED_MESSAGE, pos);
  if (afterDescent && c === '[') return parseBracket(src, pos);
  if (!isDotNameChar(c))
    return fail(
      afterDescent ? "expected a name, '*' or '[' after '..'" : "expected a name or '*' after '.'",
      pos,
    );
  const { name, end } = readDotName(src, pos);
  const checked = checkName(name, pos);
  if (!checked.ok) return checked;
  return ok({ segment: { kind: 'name', name }, end });
}

/**
 * Parse path segments starting at `pos` and stop before the first character that cannot continue a
 * path (anything but `.` and `[`); the caller decides whether what follows is allowed.
 */
export function parsePathAt(
  src: string,
  pos: number,
): Result<{ segments: PathSegment[]; end: number }, ParseFailure> {
  const segments: PathSegment[] = [];
  let i = pos;
  for (;;) {
    const c = src[i];
    let step: Result<{ segment: PathSegment; end: number }, ParseFailure>;
    if (c === '.' && src[i + 1] === '.') {
      segments.push({ kind: 'descent' });
      step = parseSelectorAfterDot(src, i + 2, true);
    } else if (c === '.') {
      step = parseSelectorAfterDot(src, i + 1, false);
    } else if (c === '[') {
      step = parseBracket(src, i);
    } else {
      return ok({ segments, end: i });
    }
    if (!step.ok) return step;
    segments.push(step.value.segment);
    i = step.value.end;
  }
}

/** Parse a normalised JSONPath string (`$` then segments), as stored in `Reference.path`. */
export function parseJsonPath(path: string): Result<PathSegment[], ParseFailure> {
  if (path[0] !== '$') return fail("a JSONPath must start with '$'", 0);
  const parsed = parsePathAt(path, 1);
  if (!parsed.ok) return parsed;
  if (parsed.value.end !== path.length)
    return fail(`unexpected character ${JSON.stringify(path[parsed.value.end])} in path`, parsed.value.end);
  return ok(parsed.value.segments);
}

function formatSlice(s: { start?: number; end?: number; step?: number }): string {
  return `[${s.start ?? ''}:${s.end ?? ''}${s.step === undefined ? '' : `:${s.step}`}]`;
}

/** The normalised JSONPath of some segments; `parseJsonPath(formatJsonPath(x))` gives `x` back. */
export function formatJsonPath(segments: readonly PathSegment[]): string {
  let out = '$';
  let afterDescent = false;
  for (const s of segments) {
    const dot = afterDescent ? '' : '.';
    switch (s.kind) {
      case 'descent':
        out += '..';
        break;
      case 'name':
        out += /^[A-Za-z0-9_-]+$/.test(s.name) ? dot + s.name : `['${s.name}']`;
        break;
      case 'wildcard':
        out += dot + '*';
        break;
      case 'index':
        out += `[${s.index}]`;
        break;
      case 'slice':
        out += formatSlice(s);
        break;
    }
    afterDescent = s.kind === 'descent';
  }
  return out;
}

/** Whether a path can select several values (its result is then always an array of matches). */
export function selectsMany(segments: readonly PathSegment[]): boolean {
  return segments.some((s) => s.kind === 'wildcard' || s.kind === 'descent' || s.kind === 'slice');
}
