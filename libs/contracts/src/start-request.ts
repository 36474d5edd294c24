import { z } from 'zod';
import { decodeWith } from './codec';
import type { Result, WeftError } from './errors';

/**
 * A request to start a run, published by upstream systems on `wf.start-requests` (SPEC §7). The
 * engine derives the run id from `idempotency_key` when given, so a repeated publish starts one run;
 * `correlation_id` comes back on the run's lifecycle events.
 */
export const StartRequestSchema = z.strictObject({
  workflow_id: z.string().min(1).max(128),
  /** A version to run; without it the workflow's active version runs. */
  version: z.number().int().positive().optional(),
  /** The run input, checked against the workflow's `input_schema`. */
  input: z.unknown(),
  idempotency_key: z.string().min(1).max(256).optional(),
  correlation_id: z.string().min(1).max(256).optional(),
});
export type StartRequest = z.infer<typeof StartRequestSchema>;

/** Decode a start-request record (JSON text); never throws (bad JSON, wrong shape → a reason). */
export const decodeStartRequest = (text: string): Result<StartRequest, WeftError> =>
  decodeWith(StartRequestSchema, text);
