import { MAX_STEP_DEPTH, MAX_STEPS } from '../identifiers';
import type { RawStep } from './raw-steps';
import { detail, type ValidationDetail } from './validation-detail';

/**
 * At most MAX_STEPS steps, nested ones included, and nesting at most MAX_STEP_DEPTH deep.
 * Checked on the raw steps, before the schema (which recurses into nested steps) runs.
 */
export function checkStepLimits(steps: readonly RawStep[]): ValidationDetail[] {
  const errors: ValidationDetail[] = [];
  if (steps.length > MAX_STEPS) {
    errors.push(
      detail(
        '',
        'too_many_steps',
        `a definition has at most ${MAX_STEPS} steps, nested ones included; this one has ${steps.length}`,
      ),
    );
  }
  for (const { pointer, depth } of steps) {
    if (depth > MAX_STEP_DEPTH) {
      errors.push(detail(pointer, 'too_deep', `steps are nested more than ${MAX_STEP_DEPTH} levels deep`));
    }
  }
  return errors;
}
