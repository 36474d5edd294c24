import { evaluateCondition, parseCondition, type ConditionAst } from '@weft/expressions';
import type { NormalizedConditionalStep } from '@weft/workflow';
import type { Decision } from '../run-context';
import { scopeFor, type Placement } from '../scope';
import { completeStep, emitStarted, failStep } from './lifecycle';

const parsed = new Map<string, ConditionAst | string>();

/** Parse once per distinct expression (definitions are validated at save time; this is a backstop). */
function conditionAst(source: string): ConditionAst | string {
  let ast = parsed.get(source);
  if (ast === undefined) {
    const result = parseCondition(source);
    ast = result.ok ? result.value : result.error.message;
    if (parsed.size > 10_000) parsed.clear();
    parsed.set(source, ast);
  }
  return ast;
}

/**
 * A conditional evaluates its condition where it runs, records the decision, completes with
 * `{ result, branch_taken }`, and its sequence continues at the branch taken. The step after it
 * receives what the conditional received.
 */
export function runConditional(
  d: Decision,
  step: NormalizedConditionalStep,
  path: string,
  placement: Placement,
  input: unknown,
): void {
  emitStarted(d, step, path, placement, { input });
  const ast = conditionAst(step.condition);
  if (typeof ast === 'string') return failStep(d, path, { kind: 'INVALID_EXPRESSION', message: ast });
  const result = evaluateCondition(ast, scopeFor(d.state, path));
  if (!result.ok) return failStep(d, path, { kind: result.error.code, message: result.error.message });
  const branch = result.value ? step.if_true_step : step.if_false_step;
  d.emit({
    type: 'ConditionEvaluated',
    step_path: path,
    data: {
      step_id: step.id,
      condition_expression: step.condition,
      condition_result: result.value,
      branch_taken: branch,
    },
  });
  completeStep(
    d,
    path,
    { result: result.value, branch_taken: branch },
    { jumpTo: branch, passOn: { value: input } },
  );
}
