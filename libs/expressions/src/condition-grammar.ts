import { err, ok, type Result } from '@weft/contracts';
import jsep from 'jsep';
import { COMPARISON_OPERATORS } from './condition-ast';
import { MAX_CONDITION_DEPTH } from './condition-limits';
import type { ParseFailure } from './reference';

/** Where a parsed node sits in the source: `[start, end)`, trailing spaces excluded. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** jsep's tree for a condition, with the span of every token-level node. */
export interface JsepParse {
  readonly root: jsep.Expression;
  readonly spans: ReadonlyMap<jsep.Expression, Span>;
}

/** Binary operators sharing the comparison precedence: they bind tighter than `not`. */
export const COMPARISON_LEVEL: ReadonlySet<string> = new Set<string>([
  ...COMPARISON_OPERATORS,
  'in',
  'contains',
]);

const COMPARISON_PRECEDENCE = 6;

/** State of the parse under way; the hooks do nothing outside `parseWithJsep`. */
interface Session {
  readonly starts: number[];
  readonly spans: Map<jsep.Expression, Span>;
}
let session: Session | undefined;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$]/.test(c);
}

/** `not` as a whole word at `i`. */
function isNotAt(expr: string, i: number): boolean {
  return expr.startsWith('not', i) && !isWordChar(expr[i + 3]);
}

/**
 * The operand of `not`: a token followed by any comparison-level operators, so `not a == b` is
 * `not (a == b)` while `not a and b` is `(not a) and b`.
 */
function gobbleComparison(scope: jsep.HookScope): jsep.Expression | undefined {
  let left = scope.gobbleToken();
  if (!left) return undefined;
  for (;;) {
    const before = scope.index;
    const op: unknown = scope.gobbleBinaryOp();
    if (typeof op !== 'string' || !COMPARISON_LEVEL.has(op)) {
      scope.index = before;
      return left;
    }
    const right = scope.gobbleToken();
    if (!right) return scope.throwError(`expected an operand after '${op}'`);
    left = { type: 'BinaryExpression', operator: op, left, right };
  }
}

/**
 * Runs at the start of every token: records where it starts, bounds the nesting (parentheses,
 * brackets, `not`, unary `-`), reads numbers itself (so they get a span too), and parses `not`.
 */
function onTokenStart(this: jsep.HookScope, env: { node?: jsep.Expression }): void {
  const s = session;
  if (s === undefined) return;
  if (s.starts.length >= MAX_CONDITION_DEPTH)
    this.throwError(`nested deeper than ${MAX_CONDITION_DEPTH} levels`);
  s.starts.push(this.index);
  if (isDigit(this.code) || this.char === '.') {
    env.node = this.gobbleNumericLiteral();
  } else if (isNotAt(this.expr, this.index)) {
    this.index += 3;
    const argument = gobbleComparison(this);
    if (!argument) this.throwError("expected an operand after 'not'");
    env.node = { type: 'UnaryExpression', operator: 'not', argument, prefix: true };
  }
}

/** Runs at the end of every token (including the ones `onTokenStart` produced): records the span. */
function onTokenEnd(this: jsep.HookScope, env: { node?: jsep.Expression }): void {
  const s = session;
  if (s === undefined) return;
  const start = s.starts.pop();
  if (!env.node || start === undefined) return;
  let end = this.index;
  while (end > start && /\s/.test(this.expr[end - 1] ?? '')) end--;
  s.spans.set(env.node, { start, end });
}

let configured = false;

/**
 * jsep's operator tables and hooks are process-wide: this module owns them. Every default
 * operator is removed (no arithmetic, bitwise, `!`, `&&`, `||`, `??`, `===`); `or` < `and` <
 * comparisons (`== != < > <= >= in contains`, one level, left-associative) are added; `-` stays a
 * unary operator only so negative numbers parse (the builder refuses it on anything else); `not`
 * is parsed by a hook so that it binds looser than comparisons. The ternary plugin jsep registers
 * never runs: the scanner refuses `?`.
 */
function configure(): void {
  if (configured) return;
  configured = true;
  jsep.removeAllBinaryOps();
  jsep.removeAllUnaryOps();
  jsep.addBinaryOp('or', 1);
  jsep.addBinaryOp('and', 2);
  for (const op of COMPARISON_LEVEL) jsep.addBinaryOp(op, COMPARISON_PRECEDENCE);
  jsep.addUnaryOp('-');
  jsep.hooks.add('gobble-token', onTokenStart);
  jsep.hooks.add('after-token', onTokenEnd);
}

function isJsepError(e: unknown): e is Error & { index: number; description?: string } {
  return e instanceof Error && 'index' in e && typeof e.index === 'number';
}

/** Parse scanned condition text with jsep, configured for the condition language. */
export function parseWithJsep(text: string): Result<JsepParse, ParseFailure> {
  configure();
  const current: Session = { starts: [], spans: new Map() };
  session = current;
  try {
    const root = jsep(text);
    return ok({ root, spans: current.spans });
  } catch (e) {
    if (isJsepError(e)) {
      const message = typeof e.description === 'string' ? e.description : e.message;
      return err({ message, position: e.index });
    }
    // Unreachable with the nesting bounds; kept so hostile input can never crash a caller.
    if (e instanceof RangeError) return err({ message: 'condition is nested too deeply', position: 0 });
    throw e;
  } finally {
    session = undefined;
  }
}
