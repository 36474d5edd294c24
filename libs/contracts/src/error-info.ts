import { z } from 'zod';

/** An error as data, as stored in events and shown by the API (SPEC §6 `error`). */
export const ErrorInfoSchema = z.object({
  kind: z.string().min(1).max(200),
  message: z.string().max(10_000),
  step_path: z.string().optional(),
  retryable: z.boolean().optional(),
  details: z.unknown().optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;
