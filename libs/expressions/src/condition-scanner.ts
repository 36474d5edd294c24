import { err, ok, type Result } from '@weft/contracts';
import { MAX_CONDITION_DEPTH, MAX_CONDITION_LENGTH } from './condition-limits';
import { MAX_REFERENCE_LENGTH } from './limits';
import { parseLiteralAt } from './literal-parser';
import type { ParseFailure, Reference } from './reference';
import { parseReferenceBody } from './reference-parser';

/** A reference cut out of a condition, and where it was. */
export interface PlacedReference {
  readonly ref: Reference;
  readonly position: number;
}

/** A condition ready for the expression parser. */
export interface ScannedCondition {
  /**
   * The source with each `${...}` replaced by a placeholder identifier of the same length (so
   * every offset still points into the source). Placeholders start with `$`, which the source
   * may not contain anywhere else, so they cannot collide with anything written.
   */
  readonly text: string;
  readonly references: ReadonlyMap<string, PlacedReference>;
}

/** Characters a condition may contain outside strings and references. */
const ALLOWED = /^[A-Za-z0-9_ \t\n\r()[\],.-]$/;

/** Why a character is refused, for the characters someone is likely to try. */
const REFUSED: Readonly<Record<string, string>> = {
  ';': "';' is not allowed: a condition is a single expression",
  '`': 'template literals are not allowed',
  '?': "'?' is not allowed: no ternary, optional chaining or JSONPath filter; a '??' default goes inside a reference",
  ':': "':' is not allowed",
  '{': 'object literals and blocks are not allowed',
  '}': "unexpected '}' outside a reference",
  '&': "'&' is not allowed: write 'and'",
  '|': "'|' is not allowed: write 'or'",
  '+': 'arithmetic is not allowed',
  '*': 'arithmetic is not allowed',
  '/': 'arithmetic is not allowed',
  '%': 'arithmetic is not allowed',
  '~': "'~' is not allowed",
  '^': "'^' is not allowed",
  '@': "'@' is not allowed outside a reference",
  '#': "'#' is not allowed",
  '\\': "'\\' is only allowed inside a quoted string",
};

/** Runs of `= ! < >` that form an operator of the language. */
const OPERATOR_RUNS: ReadonlySet<string> = new Set(['==', '!=', '<', '>', '<=', '>=']);

/** Why a run of `= ! < >` is refused. */
function refusedRun(run: string): string {
  if (run === '=') return "'=' is not allowed: write '==' to compare";
  if (run === '!') return "'!' is not allowed: write 'not'";
  if (run === '===' || run === '!==') return `'${run}' is not allowed: write '${run.slice(0, 2)}'`;
  if (run.startsWith('=>')) return 'arrow functions are not allowed';
  return `'${run}' is not an operator`;
}

/** A character for a message: quoted when printable ASCII, else its code point (`U+2028`). */
function describeChar(src: string, i: number): string {
  const c = src[i] ?? '';
  if (c >= ' ' && c <= '~') return JSON.stringify(c);
  const code = src.codePointAt(i) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

const isWordChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

const fail = (message: string, position: number): Result<never, ParseFailure> => err({ message, position });

/**
 * The offset of the `}` closing a reference whose body starts at `from`: quoted strings are
 * skipped (a default may hold `}`), a nested `${` is refused, the scan stops past the longest
 * allowed reference. Linear, no backtracking.
 */
function findReferenceEnd(s: string, from: number): Result<number, ParseFailure> {
  const opening = from - 2;
  let k = from;
  while (k < s.length) {
    if (k - from > MAX_REFERENCE_LENGTH)
      return fail(`reference longer than ${MAX_REFERENCE_LENGTH} characters`, opening);
    const c = s[k];
    if (c === '}') return ok(k);
    if (c === '$' && s[k + 1] === '{') return fail("nested '${' inside a reference", k);
    if (c === "'" || c === '"') {
      k++;
      while (k < s.length && s[k] !== c) k += s[k] === '\\' ? 2 : 1;
      if (k >= s.length) return fail('unterminated string inside a reference', opening);
    }
    k++;
  }
  return fail("unterminated reference: missing '}'", opening);
}

/** `$`, the reference number in base 36, then `$` up to `length`; `undefined` if it cannot fit. */
function placeholder(n: number, length: number): string | undefined {
  const id = '$' + n.toString(36);
  return id.length > length ? undefined : id.padEnd(length, '$');
}

/**
 * Check a condition's characters and cut its references out. Done before the expression parser
 * sees the text: the length is bounded, strings use the literal grammar of references (escapes
 * `\\ \' \" \n \r \t`), a `${` inside a quoted string is refused (it would not be a reference),
 * bracket nesting is bounded (so the recursive parser cannot exhaust the stack), and characters
 * no operator of the language uses are refused with their position.
 */
export function scanCondition(src: string): Result<ScannedCondition, ParseFailure> {
  if (src.length > MAX_CONDITION_LENGTH)
    return fail(
      `condition longer than ${MAX_CONDITION_LENGTH} characters (${src.length})`,
      MAX_CONDITION_LENGTH,
    );
  const references = new Map<string, PlacedReference>();
  let text = '';
  let depth = 0;
  let i = 0;
  while (i < src.length) {
    const c = src[i] ?? '';
    if (c === "'" || c === '"') {
      const literal = parseLiteralAt(src, i);
      if (!literal.ok) return err(literal.error);
      const quoted = src.slice(i, literal.value.end);
      const inner = quoted.indexOf('${');
      if (inner >= 0)
        return fail(
          'a reference inside a quoted string is not expanded: write it outside the quotes',
          i + inner,
        );
      text += quoted;
      i = literal.value.end;
      continue;
    }
    if (c === '$') {
      if (src[i + 1] !== '{') return fail("'$' is only allowed to open a reference '${...}'", i);
      if (isWordChar(src[i - 1])) return fail('a reference must follow a space, an operator or a bracket', i);
      const end = findReferenceEnd(src, i + 2);
      if (!end.ok) return end;
      if (isWordChar(src[end.value + 1]))
        return fail('a reference must be followed by a space, an operator or a bracket', end.value + 1);
      const raw = src.slice(i, end.value + 1);
      const ref = parseReferenceBody(src.slice(i + 2, end.value), raw);
      if (!ref.ok) return fail(`invalid reference: ${ref.error.message}`, ref.error.position + i + 2);
      const name = placeholder(references.size, raw.length);
      if (name === undefined) return fail('too many references', i);
      references.set(name, { ref: ref.value, position: i });
      text += name;
      i = end.value + 1;
      continue;
    }
    if (c === '=' || c === '!' || c === '<' || c === '>') {
      let end = i + 1;
      while (end < src.length && '=!<>'.includes(src[end] ?? '')) end++;
      const run = src.slice(i, end);
      if (!OPERATOR_RUNS.has(run)) return fail(refusedRun(run), i);
      text += run;
      i = end;
      continue;
    }
    if (c === '(' || c === '[') {
      depth++;
      if (depth > MAX_CONDITION_DEPTH) return fail(`nested deeper than ${MAX_CONDITION_DEPTH} levels`, i);
    } else if (c === ')' || c === ']') {
      depth = Math.max(0, depth - 1);
    } else if (!ALLOWED.test(c)) {
      return fail(REFUSED[c] ?? `unexpected character ${describeChar(src, i)}`, i);
    }
    text += c;
    i++;
  }
  return ok({ text, references });
}
