import { PROTOTYPE_STEP_IDS } from '../identifiers';
import type { RetryConfig } from '../retry-config.schema';
import type { Step } from '../step.schema';
import type { StepIndex } from './step-index';
import { detail, type ValidationDetail } from './validation-detail';

/**
 * Rules across fields of one step, which the JSON Schema does not express: fork-join branch
 * names and `n_required`, the Kafka `topic`, retry delay bounds.
 */
export function checkStepConstraints(index: StepIndex): ValidationDetail[] {
  return index.entries.flatMap(({ step, pointer }) => constraintsOf(step, pointer));
}

function constraintsOf(step: Step, pointer: string): ValidationDetail[] {
  switch (step.type) {
    case undefined:
    case 'agent':
      return step.retry_config === undefined
        ? []
        : checkRetryConfig(step.retry_config, `${pointer}/retry_config`);
    case 'fork_join':
      return checkForkJoin(step, pointer);
    case 'wait_for_event':
      return step.source === 'kafka' && step.topic === undefined
        ? [
            detail(
              `${pointer}/topic`,
              'constraint',
              'required field is missing: a wait on source "kafka" names its topic',
            ),
          ]
        : [];
    default:
      return [];
  }
}

function checkForkJoin(step: Extract<Step, { type: 'fork_join' }>, pointer: string): ValidationDetail[] {
  const errors: ValidationDetail[] = [];
  const seen = new Set<string>();
  step.branches.forEach((branch, b) => {
    if (seen.has(branch.name)) {
      errors.push(
        detail(`${pointer}/branches/${b}/name`, 'duplicate_branch', `duplicate branch name "${branch.name}"`),
      );
    }
    seen.add(branch.name);
    if (PROTOTYPE_STEP_IDS.has(branch.name)) {
      errors.push(
        detail(
          `${pointer}/branches/${b}/name`,
          'reserved_id',
          `"${branch.name}" is reserved: it names an object prototype property`,
        ),
      );
    }
  });
  const policy = step.join_policy ?? 'ALL';
  if (policy === 'N_OF_M' && step.n_required === undefined) {
    errors.push(
      detail(
        `${pointer}/n_required`,
        'constraint',
        'required field is missing: join_policy N_OF_M needs n_required',
      ),
    );
  }
  if (policy !== 'N_OF_M' && step.n_required !== undefined) {
    errors.push(
      detail(
        `${pointer}/n_required`,
        'constraint',
        `n_required applies only to join_policy N_OF_M (here ${policy})`,
      ),
    );
  }
  if (step.n_required !== undefined && step.n_required > step.branches.length) {
    errors.push(
      detail(
        `${pointer}/n_required`,
        'constraint',
        `n_required (${step.n_required}) exceeds the number of branches (${step.branches.length})`,
      ),
    );
  }
  return errors;
}

/** The first delay may not exceed the cap. Shared with agent registrations. */
export function checkRetryConfig(config: RetryConfig, pointer: string): ValidationDetail[] {
  const { initial_delay_ms: initial, max_delay_ms: max } = config;
  if (initial !== undefined && max !== undefined && initial > max) {
    return [
      detail(
        `${pointer}/initial_delay_ms`,
        'constraint',
        `initial_delay_ms (${initial}) exceeds max_delay_ms (${max})`,
      ),
    ];
  }
  return [];
}
