import { err, ok, type Result } from '@weft/contracts';
import type { ParseFailure } from './reference';

/** A literal and the offset just after it. */
export interface ParsedLiteral {
  readonly value: string | number | boolean | null;
  readonly end: number;
}

export const LITERAL_EXPECTED = 'expected a literal: a number, a quoted string, true, false or null';

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\',
  "'": "'",
  '"': '"',
  n: '\n',
  r: '\r',
  t: '\t',
};

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function parseQuoted(src: string, pos: number): Result<ParsedLiteral, ParseFailure> {
  const quote = src[pos];
  let value = '';
  let i = pos + 1;
  while (i < src.length) {
    const c = src[i];
    if (c === quote) return ok({ value, end: i + 1 });
    if (c === '\\') {
      const next = src[i + 1];
      const escaped = next === undefined ? undefined : ESCAPES[next];
      if (escaped === undefined)
        return err({ message: `unknown escape '\\${next ?? ''}' in string`, position: i });
      value += escaped;
      i += 2;
    } else {
      value += c;
      i++;
    }
  }
  return err({ message: 'unterminated string', position: pos });
}

/** JSON number grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)? */
function parseNumber(src: string, pos: number): Result<ParsedLiteral, ParseFailure> {
  let i = pos;
  const bad = (): Result<never, ParseFailure> => err({ message: 'malformed number', position: pos });
  if (src[i] === '-') i++;
  if (src[i] === '0') i++;
  else if (isDigit(src[i])) while (isDigit(src[i])) i++;
  else return bad();
  if (src[i] === '.') {
    i++;
    if (!isDigit(src[i])) return bad();
    while (isDigit(src[i])) i++;
  }
  if (src[i] === 'e' || src[i] === 'E') {
    i++;
    if (src[i] === '+' || src[i] === '-') i++;
    if (!isDigit(src[i])) return bad();
    while (isDigit(src[i])) i++;
  }
  const value = Number(src.slice(pos, i));
  if (!Number.isFinite(value)) return err({ message: 'number out of range', position: pos });
  return ok({ value, end: i });
}

/**
 * Parse one literal at `pos`: a JSON-style number, a single- or double-quoted string (escapes
 * `\\ \' \" \n \r \t`), `true`, `false` or `null`. Shared by references (`??` defaults) and conditions.
 */
export function parseLiteralAt(src: string, pos: number): Result<ParsedLiteral, ParseFailure> {
  const c = src[pos];
  if (c === "'" || c === '"') return parseQuoted(src, pos);
  if (c === '-' || isDigit(c)) return parseNumber(src, pos);
  let end = pos;
  while (end < src.length && /[A-Za-z0-9_]/.test(src[end] ?? '')) end++;
  const word = src.slice(pos, end);
  if (word === 'true') return ok({ value: true, end });
  if (word === 'false') return ok({ value: false, end });
  if (word === 'null') return ok({ value: null, end });
  return err({ message: LITERAL_EXPECTED, position: pos });
}
