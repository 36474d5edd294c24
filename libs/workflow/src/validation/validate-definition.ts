import { err, ok, WeftError, type Result } from '@weft/contracts';
import { WorkflowDefinitionSchema, type WorkflowDefinition } from '../definition.schema';
import { checkAgents } from './agent-checks';
import { checkConditions, type ConditionChecker } from './condition-checks';
import { checkStepIds } from './id-checks';
import { checkPlainJson } from './json-guard';
import { checkJsonSchemas } from './json-schema-checks';
import { checkCycles, checkJumps } from './jump-checks';
import { checkReferences } from './reference-checks';
import { definitionErrorMap, issuesToDetails } from './schema-issues';
import { checkStates } from './state-checks';
import { checkStepConstraints } from './step-constraint-checks';
import { indexSteps } from './step-index';
import { checkStepLimits } from './step-limits';
import { findRawSteps } from './raw-steps';
import type { ValidationDetail } from './validation-detail';

export interface ValidateOptions {
  /** Registered agent names; when given, every agent step must name one of them. */
  readonly knownAgents?: ReadonlySet<string>;
  /**
   * An extra check on conditions (conditional `condition`, cache `condition`, wait `match`,
   * assertion `condition`, transition `condition`, on_complete `condition`). Every condition is
   * always parsed with the condition language of `@weft/expressions`; this hook is then called with
   * each one that parses, and a returned message becomes an `invalid_condition` error at it.
   */
  readonly checkCondition?: ConditionChecker;
}

/**
 * Validates a workflow definition and returns it parsed, or a VALIDATION_FAILED error whose
 * details list every problem found, each with its JSON pointer and a code.
 *
 * Phases: (1) plain JSON, then the size limits, on the raw input; if they fail, nothing else runs
 * (the later phases recurse). (2) The zod schema: the same verdict as the generated JSON Schema.
 * If it fails, its errors are returned with the step id checks (cheap on the raw input); the other
 * checks need a well-formed definition.
 * (3) Graph and semantic checks, TypeScript only: ids, jumps, cycles, states, cross-field rules,
 * agents, JSON Schemas compiling, references, conditions (syntax, and their references).
 */
export function validateDefinition(
  input: unknown,
  opts: ValidateOptions = {},
): Result<WorkflowDefinition, WeftError> {
  const notJson = checkPlainJson(input);
  if (notJson.length > 0) return invalid(notJson);
  const rawSteps = findRawSteps(input);
  const limits = checkStepLimits(rawSteps);
  if (limits.length > 0) return invalid(limits);

  const parsed = WorkflowDefinitionSchema.safeParse(input, { error: definitionErrorMap });
  // Step ids are cheap to check on the raw input, so they are reported along with schema errors.
  if (!parsed.success)
    return invalid([...issuesToDetails(parsed.error.issues, input), ...checkStepIds(rawSteps)]);

  const def = parsed.data;
  const index = indexSteps(def);
  const details = [
    ...checkStepIds(index.entries),
    ...checkJumps(def, index),
    ...checkCycles(index),
    ...(def.type === 'state_machine' ? checkStates(def) : []),
    ...checkStepConstraints(index),
    ...(opts.knownAgents === undefined ? [] : checkAgents(index, opts.knownAgents)),
    ...checkJsonSchemas(def, index),
    ...checkReferences(def, index),
    ...checkConditions(def, index, opts.checkCondition),
  ];
  return details.length > 0 ? invalid(details) : ok(def);
}

function invalid(details: readonly ValidationDetail[]): Result<never, WeftError> {
  const n = details.length;
  return err(
    new WeftError('VALIDATION_FAILED', `workflow definition is invalid: ${n} error${n === 1 ? '' : 's'}`, {
      details,
    }),
  );
}
