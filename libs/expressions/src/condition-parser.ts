import { err, ok, WeftError, type Result } from '@weft/contracts';
import type { ConditionAst } from './condition-ast';
import { ConditionBuilder } from './condition-builder';
import { parseWithJsep } from './condition-grammar';
import { scanCondition } from './condition-scanner';
import type { ParseFailure } from './reference';

const EXCERPT_LENGTH = 24;

/** A JSON-quoted string with the line separators and C1 controls JSON leaves raw escaped too. */
function quoted(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** `near "..."`: what the source holds at the failure, cut short, quoted so control characters show. */
function near(src: string, position: number): string {
  if (position >= src.length) return 'at the end';
  const piece = src.slice(position, position + EXCERPT_LENGTH);
  return `near ${quoted(position + EXCERPT_LENGTH < src.length ? `${piece}…` : piece)}`;
}

function syntaxError(src: string, failure: ParseFailure): WeftError {
  const { message, position } = failure;
  return new WeftError(
    'INVALID_EXPRESSION',
    `invalid condition: ${message} at position ${position} (${near(src, position)})`,
  );
}

/**
 * Parse a condition (SPEC §4) into a ConditionAst. Steps: `scanCondition` bounds the length and
 * nesting, checks the characters and strings, and swaps each `${...}` for a placeholder; jsep,
 * configured with the language's operators only, parses; `ConditionBuilder` keeps the whitelisted
 * node kinds and refuses the rest. Every failure is INVALID_EXPRESSION with the 0-based position
 * in `src`; nothing here throws on any input.
 */
export function parseCondition(src: string): Result<ConditionAst, WeftError> {
  const scanned = scanCondition(src);
  if (!scanned.ok) return err(syntaxError(src, scanned.error));
  const parsed = parseWithJsep(scanned.value.text);
  if (!parsed.ok) return err(syntaxError(src, parsed.error));
  const built = new ConditionBuilder(scanned.value.text, parsed.value, scanned.value.references).build();
  return built.ok ? ok(built.value) : err(syntaxError(src, built.error));
}

/** The syntax error of a condition, or null when it parses: the shape of a definition validator hook. */
export function checkConditionSyntax(src: string): string | null {
  const parsed = parseCondition(src);
  return parsed.ok ? null : parsed.error.message;
}
