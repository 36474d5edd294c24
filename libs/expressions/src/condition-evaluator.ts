import { err, ok, WeftError, type Result } from '@weft/contracts';
import type { ComparisonOperator, ConditionAst } from './condition-ast';
import { deepEqual, describeValue, kindOf } from './condition-values';
import type { ReferenceScope } from './reference';
import { resolveReference } from './reference-resolver';

type Evaluated = Result<unknown, WeftError>;

function typeError(position: number, message: string): Result<never, WeftError> {
  return err(new WeftError('INVALID_EXPRESSION', `condition type error at position ${position}: ${message}`));
}

function order(op: ComparisonOperator, a: number | string, b: number | string): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    default:
      return a >= b;
  }
}

function compare(op: ComparisonOperator, a: unknown, b: unknown, position: number): Evaluated {
  if (op === '==') return ok(deepEqual(a, b));
  if (op === '!=') return ok(!deepEqual(a, b));
  if ((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))
    return ok(order(op, a, b));
  return typeError(
    position,
    `'${op}' compares two numbers or two strings, not ${describeValue(a)} and ${describeValue(b)}`,
  );
}

/** Whether `container` holds `item`; `word` names the operator for messages. */
function holds(container: unknown, item: unknown, word: 'in' | 'contains', position: number): Evaluated {
  const kind = kindOf(container);
  if (kind === 'array') return ok((container as unknown[]).some((x) => deepEqual(x, item)));
  if (kind === 'string' || kind === 'object') {
    if (typeof item !== 'string')
      return typeError(
        position,
        `'${word}' with ${kind === 'string' ? 'a string' : 'an object'} needs a string ${word === 'in' ? 'on the left' : 'on the right'}, not ${describeValue(item)}`,
      );
    return ok(
      kind === 'string' ? (container as string).includes(item) : Object.hasOwn(container as object, item),
    );
  }
  return typeError(
    position,
    `'${word}' needs an array, a string or an object ${word === 'in' ? 'on the right' : 'on the left'}, not ${describeValue(container)}`,
  );
}

function evaluate(node: ConditionAst, scope: ReferenceScope): Evaluated {
  switch (node.kind) {
    case 'literal':
      return ok(node.value);
    case 'ref':
      return resolveReference(node.ref, scope);
    case 'array': {
      const out: unknown[] = [];
      for (const item of node.items) {
        const value = evaluate(item, scope);
        if (!value.ok) return value;
        out.push(value.value);
      }
      return ok(out);
    }
    case 'not': {
      const value = evaluate(node.operand, scope);
      if (!value.ok) return value;
      if (typeof value.value !== 'boolean')
        return typeError(node.position, `'not' needs a boolean, not ${describeValue(value.value)}`);
      return ok(!value.value);
    }
    case 'and':
    case 'or': {
      // Short-circuit: `and` stops at the first false, `or` at the first true.
      const stopAt = node.kind === 'or';
      for (const operand of node.operands) {
        const value = evaluate(operand, scope);
        if (!value.ok) return value;
        if (typeof value.value !== 'boolean')
          return typeError(
            operand.position,
            `'${node.kind}' needs boolean operands, not ${describeValue(value.value)}`,
          );
        if (value.value === stopAt) return ok(stopAt);
      }
      return ok(!stopAt);
    }
    default: {
      const left = evaluate(node.left, scope);
      if (!left.ok) return left;
      const right = evaluate(node.right, scope);
      if (!right.ok) return right;
      if (node.kind === 'compare') return compare(node.op, left.value, right.value, node.position);
      return node.kind === 'in'
        ? holds(right.value, left.value, 'in', node.position)
        : holds(left.value, right.value, 'contains', node.position);
    }
  }
}

/**
 * Evaluate a parsed condition against the values a run exposes. Type rules, none of which coerce:
 *
 * - `==` / `!=`: structural equality of JSON values; different kinds are unequal (`"5" == 5` is
 *   false, `1 == true` is false, `null == false` is false); arrays item by item, objects by own
 *   keys regardless of order.
 * - `< > <= >=`: number with number, or string with string (by UTF-16 code unit, so `"B" < "a"`);
 *   any other pair is an error (`"5" > 3`, `null < 1`, `true > false` are errors, not false).
 * - `x in y`: `y` an array: some item equals `x` (structural); `y` a string: `x` must be a string,
 *   substring test; `y` an object: `x` must be a string, own-key test. Any other `y` is an error.
 * - `x contains y`: the mirror, `y in x`.
 * - `not`, `and`, `or`: operands must be booleans (no truthiness: `not 0` is an error). `and` and
 *   `or` evaluate left to right and stop as soon as the result is known, so a later operand that
 *   would fail is not evaluated.
 * - The whole condition must evaluate to a boolean; anything else (`${a.output.count}` alone) is
 *   an error, "condition must evaluate to a boolean".
 * - A reference that resolves to nothing is REFERENCE_NOT_FOUND naming it, unless it has a `??`
 *   default (a JSON `null` value is found: it is `null`, not missing).
 *
 * Type errors are INVALID_EXPRESSION with the position of the operator in the source.
 */
export function evaluateCondition(ast: ConditionAst, scope: ReferenceScope): Result<boolean, WeftError> {
  const value = evaluate(ast, scope);
  if (!value.ok) return value;
  if (typeof value.value !== 'boolean')
    return err(
      new WeftError(
        'INVALID_EXPRESSION',
        `condition must evaluate to a boolean, not ${describeValue(value.value)}`,
      ),
    );
  return ok(value.value);
}
