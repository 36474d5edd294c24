import { err, ok, WeftError, type Result } from '@weft/contracts';
import { AgentSpecSchema, type AgentSpec } from './agent-spec.schema';
import { checkPlainJson } from './validation/json-guard';
import { definitionErrorMap, issuesToDetails } from './validation/schema-issues';
import { checkRetryConfig } from './validation/step-constraint-checks';
import type { ValidationDetail } from './validation/validation-detail';

/** Validates an agent registration and returns it with defaults (`method`, `timeout_seconds`) applied. */
export function validateAgentSpec(input: unknown): Result<AgentSpec, WeftError> {
  const notJson = checkPlainJson(input);
  if (notJson.length > 0) return invalid(notJson);
  const parsed = AgentSpecSchema.safeParse(input, { error: definitionErrorMap });
  if (!parsed.success) return invalid(issuesToDetails(parsed.error.issues, input, 'an agent registration'));
  const retry = parsed.data.retry_config;
  const details = retry === undefined ? [] : checkRetryConfig(retry, '/retry_config');
  return details.length > 0 ? invalid(details) : ok(parsed.data);
}

function invalid(details: readonly ValidationDetail[]): Result<never, WeftError> {
  const n = details.length;
  return err(
    new WeftError('VALIDATION_FAILED', `agent registration is invalid: ${n} error${n === 1 ? '' : 's'}`, {
      details,
    }),
  );
}
