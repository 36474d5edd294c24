import type { Reference } from './reference';

/** The comparison operators of the condition language (SPEC §4). */
export const COMPARISON_OPERATORS = ['==', '!=', '<', '>', '<=', '>='] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];

/** A literal as written in a condition: a number, a quoted string, `true`, `false` or `null`. */
export type ConditionLiteral = string | number | boolean | null;

/**
 * A parsed condition: a small tree with a closed set of node kinds, built from the parser's
 * output through a whitelist. `position` is the 0-based offset into the source of the node's
 * start (the operator, for binary nodes), used in evaluation errors. `and`/`or` are n-ary: a
 * chain `a and b and c` is one node, so long chains do not nest.
 */
export type ConditionAst =
  | { readonly kind: 'literal'; readonly value: ConditionLiteral; readonly position: number }
  | { readonly kind: 'ref'; readonly ref: Reference; readonly position: number }
  | { readonly kind: 'array'; readonly items: readonly ConditionAst[]; readonly position: number }
  | { readonly kind: 'not'; readonly operand: ConditionAst; readonly position: number }
  | {
      readonly kind: 'and' | 'or';
      readonly operands: readonly ConditionAst[];
      readonly position: number;
    }
  | {
      readonly kind: 'compare';
      readonly op: ComparisonOperator;
      readonly left: ConditionAst;
      readonly right: ConditionAst;
      readonly position: number;
    }
  | {
      readonly kind: 'in' | 'contains';
      readonly left: ConditionAst;
      readonly right: ConditionAst;
      readonly position: number;
    };

/** Every reference of a condition, in source order: for validating the step ids it names. */
export function conditionReferences(ast: ConditionAst): Reference[] {
  const found: Reference[] = [];
  const visit = (node: ConditionAst): void => {
    switch (node.kind) {
      case 'literal':
        return;
      case 'ref':
        found.push(node.ref);
        return;
      case 'array':
        node.items.forEach(visit);
        return;
      case 'not':
        visit(node.operand);
        return;
      case 'and':
      case 'or':
        node.operands.forEach(visit);
        return;
      default:
        visit(node.left);
        visit(node.right);
    }
  };
  visit(ast);
  return found;
}
