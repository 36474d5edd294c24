import type { ErrorDetail } from '@weft/contracts';

/** Codes of definition problems; each detail of a VALIDATION_FAILED error carries one. */
export const VALIDATION_CODES = [
  /** The shape: a zod issue (the same verdict as the JSON Schema in `schemas/`). */
  'schema',
  /** Not plain JSON (undefined, functions, NaN, class instances), or a `__proto__` key. */
  'not_json',
  'too_deep',
  'too_many_steps',
  'duplicate_id',
  'reserved_id',
  /** A jump (`start_step`, `next_step`, `if_true_step`, `if_false_step`) names no step at all. */
  'unknown_step',
  /** A jump names a step of another step list. */
  'cross_scope_jump',
  /** A step inside `parallel_steps` jumps: its siblings run concurrently. */
  'invalid_jump',
  'cycle',
  'unknown_state',
  /** A non-terminal state without transitions: a run entering it could never leave. */
  'dead_end_state',
  'unknown_agent',
  'duplicate_branch',
  /** A rule across fields: `n_required` with `N_OF_M`, `topic` with `kafka`, delay bounds. */
  'constraint',
  /** `input_schema`, `output_schema` or a validation step's `schema` does not compile (Ajv, 2020-12). */
  'invalid_schema',
  'invalid_reference',
  'unknown_reference',
  /** A reference that cannot be resolved where it is written (`${loop.item}` outside a loop, ...). */
  'invalid_reference_context',
  'invalid_condition',
] as const;

export type ValidationCode = (typeof VALIDATION_CODES)[number];

export interface ValidationDetail extends ErrorDetail {
  readonly code: ValidationCode;
}

export function detail(pointer: string, code: ValidationCode, message: string): ValidationDetail {
  return { pointer, code, message };
}
