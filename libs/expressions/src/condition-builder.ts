import { err, ok, type Result } from '@weft/contracts';
import type jsep from 'jsep';
import { COMPARISON_OPERATORS, type ComparisonOperator, type ConditionAst } from './condition-ast';
import { COMPARISON_LEVEL, type JsepParse, type Span } from './condition-grammar';
import { MAX_CONDITION_DEPTH, MAX_CONDITION_NODES } from './condition-limits';
import type { PlacedReference } from './condition-scanner';
import { PROTOTYPE_NAMES } from './json-path';
import type { ParseFailure } from './reference';

interface Built {
  readonly node: ConditionAst;
  readonly span: Span;
}

type BuildResult = Result<Built, ParseFailure>;

const fail = (message: string, position: number): Result<never, ParseFailure> => err({ message, position });

const isComparison = (op: string): op is ComparisonOperator =>
  (COMPARISON_OPERATORS as readonly string[]).includes(op);

/** The jsep node's own fields, read without trusting its loose typing. */
function field(node: jsep.Expression, name: string): unknown {
  return Object.hasOwn(node, name) ? node[name] : undefined;
}

function isExpression(value: unknown): value is jsep.Expression {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}

/**
 * Turns jsep's tree into a ConditionAst through a whitelist: literals, placeholder identifiers
 * (references), arrays of literals and references, `-` on a number, `not`, `and`, `or`,
 * comparisons, `in`, `contains`. Everything else (bare words, `this`, member access, calls,
 * several expressions) is refused with its position.
 */
export class ConditionBuilder {
  private nodes = 0;

  constructor(
    private readonly text: string,
    private readonly parsed: JsepParse,
    private readonly references: ReadonlyMap<string, PlacedReference>,
  ) {}

  build(): Result<ConditionAst, ParseFailure> {
    const { root } = this.parsed;
    if (root.type === 'Compound') {
      const body = field(root, 'body');
      const parts = Array.isArray(body) ? body.filter(isExpression) : [];
      const [first, second] = parts;
      if (first === undefined) return fail('condition is empty', 0);
      const built = this.buildRoot(first);
      if (!built.ok || second === undefined) return built;
      return fail(
        'expected an operator or the end of the condition: a condition is a single expression',
        this.startOf(second, this.spanOf(first)?.end ?? 0),
      );
    }
    return this.buildRoot(root);
  }

  private buildRoot(node: jsep.Expression): Result<ConditionAst, ParseFailure> {
    const built = this.node(node, 1, 0);
    return built.ok ? ok(built.value.node) : built;
  }

  private spanOf(node: jsep.Expression): Span | undefined {
    return this.parsed.spans.get(node);
  }

  /** Where a node starts: its token span, else the start of its leftmost operand. */
  private startOf(node: jsep.Expression, fallback: number): number {
    let current: unknown = node;
    for (let guard = 0; isExpression(current) && guard <= MAX_CONDITION_NODES; guard++) {
      const span = this.spanOf(current);
      if (span) return span.start;
      current = field(current, 'left');
    }
    return fallback;
  }

  private node(node: jsep.Expression, depth: number, at: number): BuildResult {
    const start = this.startOf(node, at);
    if (depth > MAX_CONDITION_DEPTH) return fail(`nested deeper than ${MAX_CONDITION_DEPTH} levels`, start);
    if (++this.nodes > MAX_CONDITION_NODES)
      return fail(`condition has more than ${MAX_CONDITION_NODES} operands and operators`, start);
    switch (node.type) {
      case 'Literal':
        return this.literal(node, start);
      case 'Identifier':
        return this.identifier(node, start);
      case 'ArrayExpression':
        return this.array(node, depth, start);
      case 'UnaryExpression':
        return this.unary(node, depth, start);
      case 'BinaryExpression':
        return this.binary(node, depth, start);
      case 'ThisExpression':
        return fail("'this' is not allowed", start);
      case 'MemberExpression':
        return fail('property access is only allowed inside a reference, like ${step.output.field}', start);
      case 'CallExpression':
        return fail('function calls are not allowed', start);
      case 'Compound':
      case 'SequenceExpression':
        return fail("a condition is a single expression: ',' and ';' are not allowed", start);
      case 'ConditionalExpression':
        return fail('the ternary operator is not allowed', start);
      default:
        return fail(`${node.type} is not allowed`, start);
    }
  }

  private made(node: ConditionAst, span: Span): BuildResult {
    return ok({ node, span });
  }

  private tokenSpan(node: jsep.Expression, start: number): Span {
    return this.spanOf(node) ?? { start, end: start };
  }

  private literal(node: jsep.Expression, start: number): BuildResult {
    const value = field(node, 'value');
    if (typeof value === 'number' && !Number.isFinite(value)) return fail('number out of range', start);
    if (
      value === null ||
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean'
    )
      return this.made({ kind: 'literal', value, position: start }, this.tokenSpan(node, start));
    return fail('this literal is not allowed', start);
  }

  private identifier(node: jsep.Expression, start: number): BuildResult {
    const name = field(node, 'name');
    const placed = typeof name === 'string' ? this.references.get(name) : undefined;
    if (placed)
      return this.made(
        { kind: 'ref', ref: placed.ref, position: placed.position },
        this.tokenSpan(node, start),
      );
    const word = typeof name === 'string' ? name : '';
    if (PROTOTYPE_NAMES.has(word)) return fail(`'${word}' is not allowed (prototype access)`, start);
    return fail(
      `'${word}' is not allowed: values are literals (numbers, quoted strings, true, false, null, arrays) or references like \${step.output.field}`,
      start,
    );
  }

  private array(node: jsep.Expression, depth: number, start: number): BuildResult {
    const elements = field(node, 'elements');
    const items: ConditionAst[] = [];
    for (const element of Array.isArray(elements) ? elements : []) {
      if (!isExpression(element)) return fail('empty array slots are not allowed', start);
      const item = this.node(element, depth + 1, start);
      if (!item.ok) return item;
      const kind = item.value.node.kind;
      if (kind !== 'literal' && kind !== 'ref' && kind !== 'array')
        return fail('array items must be literals, arrays or references', item.value.span.start);
      items.push(item.value.node);
    }
    return this.made({ kind: 'array', items, position: start }, this.tokenSpan(node, start));
  }

  private unary(node: jsep.Expression, depth: number, start: number): BuildResult {
    const operator = field(node, 'operator');
    const argument = field(node, 'argument');
    if (!isExpression(argument)) return fail('missing operand', start);
    const span = this.tokenSpan(node, start);
    if (operator === '-') {
      const value = argument.type === 'Literal' ? field(argument, 'value') : undefined;
      if (typeof value !== 'number') return fail("'-' is only allowed before a number", start);
      return this.made({ kind: 'literal', value: -value, position: start }, span);
    }
    if (operator !== 'not') return fail(`operator '${String(operator)}' is not allowed`, start);
    const operand = this.node(argument, depth + 1, start);
    if (!operand.ok) return operand;
    return this.made({ kind: 'not', operand: operand.value.node, position: start }, span);
  }

  private binary(node: jsep.Expression, depth: number, start: number): BuildResult {
    const operator = field(node, 'operator');
    if (operator === 'and' || operator === 'or') return this.chain(node, operator, depth, start);
    const left = field(node, 'left');
    const right = field(node, 'right');
    if (typeof operator !== 'string' || !isExpression(left) || !isExpression(right))
      return fail('malformed expression', start);
    if (!COMPARISON_LEVEL.has(operator)) return fail(`operator '${operator}' is not allowed`, start);
    if (
      left.type === 'BinaryExpression' &&
      !this.isParenthesized(left) &&
      COMPARISON_LEVEL.has(String(field(left, 'operator')))
    )
      return fail(`comparisons cannot be chained: add parentheses around one side of '${operator}'`, start);
    const l = this.node(left, depth + 1, start);
    if (!l.ok) return l;
    const r = this.node(right, depth + 1, l.value.span.end);
    if (!r.ok) return r;
    const found = this.text.indexOf(operator, l.value.span.end);
    const position = found >= 0 && found < r.value.span.start ? found : l.value.span.end;
    const span = { start: l.value.span.start, end: r.value.span.end };
    const both = { left: l.value.node, right: r.value.node, position };
    if (isComparison(operator)) return this.made({ kind: 'compare', op: operator, ...both }, span);
    return this.made({ kind: operator === 'in' ? 'in' : 'contains', ...both }, span);
  }

  private isParenthesized(node: jsep.Expression): boolean {
    const span = this.spanOf(node);
    return span !== undefined && this.text[span.start] === '(';
  }

  /**
   * `a and b and c` arrives as a left-leaning tree; it is walked iteratively down its left spine
   * into one n-ary node, so a long chain costs neither stack nor depth.
   */
  private chain(node: jsep.Expression, operator: 'and' | 'or', depth: number, start: number): BuildResult {
    const rights: jsep.Expression[] = [];
    let current: jsep.Expression = node;
    for (;;) {
      const right = field(current, 'right');
      const left = field(current, 'left');
      if (!isExpression(right) || !isExpression(left)) return fail('malformed expression', start);
      rights.push(right);
      if (left.type !== 'BinaryExpression' || field(left, 'operator') !== operator) {
        rights.push(left);
        break;
      }
      if (++this.nodes > MAX_CONDITION_NODES)
        return fail(`condition has more than ${MAX_CONDITION_NODES} operands and operators`, start);
      current = left;
    }
    const operands: ConditionAst[] = [];
    let end = start;
    let position = start;
    for (let i = rights.length - 1; i >= 0; i--) {
      const operand = rights[i];
      if (operand === undefined) continue;
      const built = this.node(operand, depth + 1, end);
      if (!built.ok) return built;
      if (i === rights.length - 2) {
        const found = this.text.indexOf(operator, end);
        position = found >= 0 && found < built.value.span.start ? found : end;
      }
      operands.push(built.value.node);
      end = built.value.span.end;
    }
    return this.made({ kind: operator, operands, position }, { start, end });
  }
}
