export * from './reference';
export * from './limits';
export { parseTemplate } from './template-parser';
export {
  parseReference,
  parseReferenceBody,
  parseReferenceTargetAt,
  isValidStepId,
  STEP_ID_PATTERN,
  type ReferenceTarget,
} from './reference-parser';
export { parseLiteralAt, LITERAL_EXPECTED, type ParsedLiteral } from './literal-parser';
export {
  parsePathAt,
  parseJsonPath,
  formatJsonPath,
  selectsMany,
  FILTER_DISABLED_MESSAGE,
  PROTOTYPE_NAMES,
  type PathSegment,
} from './json-path';
export { resolveReference } from './reference-resolver';
export { resolveTemplate } from './template-resolver';
export { resolveMapping, collectReferences, type CollectedReferences } from './mapping';
export {
  COMPARISON_OPERATORS,
  conditionReferences,
  type ComparisonOperator,
  type ConditionAst,
  type ConditionLiteral,
} from './condition-ast';
export { MAX_CONDITION_DEPTH, MAX_CONDITION_LENGTH, MAX_CONDITION_NODES } from './condition-limits';
export { parseCondition, checkConditionSyntax } from './condition-parser';
export { evaluateCondition } from './condition-evaluator';
