import { z } from 'zod';

/**
 * Branded ids (STYLE 8), each built by one validating constructor.
 */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const RunIdSchema = z.string().regex(UUID_RE, 'must be a UUID').brand<'RunId'>();
export type RunId = z.infer<typeof RunIdSchema>;

/** A step's address inside a run: `validate`, `loop-1[3]/enrich`, `fork/branch-a/step-2`. */
export const StepPathSchema = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[A-Za-z0-9_\-[\]/.]+$/, 'invalid step path')
  .brand<'StepPath'>();
export type StepPath = z.infer<typeof StepPathSchema>;

/** One attempt of one step of one run: `<run_id>/<step_path>#<attempt>`; sent to agents as idempotency key. */
export const InvocationIdSchema = z.string().min(1).max(1200).brand<'InvocationId'>();
export type InvocationId = z.infer<typeof InvocationIdSchema>;

export function runId(value: string): RunId {
  return RunIdSchema.parse(value.toLowerCase());
}

export function stepPath(value: string): StepPath {
  return StepPathSchema.parse(value);
}

export function invocationId(run: RunId, path: StepPath, attempt: number): InvocationId {
  return InvocationIdSchema.parse(`${run}/${path}#${attempt}`);
}

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}
