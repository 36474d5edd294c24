import { z } from 'zod';
import { NonNegativeIntSchema } from './schema-primitives';

export const RETRY_TYPES = ['exponential_backoff', 'fixed_delay', 'linear_backoff', 'immediate'] as const;

/**
 * Retry policy of an agent call (SPEC F6). Every field is optional: what is missing comes from
 * the agent's registration, then from the engine defaults (exponential, 3 attempts, 1 s, x2,
 * 30 s cap, jitter).
 */
export const RetryConfigSchema = z
  .strictObject({
    type: z.enum(RETRY_TYPES).optional(),
    max_attempts: z.int().min(1).max(100).optional(),
    initial_delay_ms: NonNegativeIntSchema.optional(),
    max_delay_ms: NonNegativeIntSchema.optional(),
    multiplier: z.number().positive().optional(),
    jitter: z.boolean().optional(),
    retry_on_errors: z.array(z.string().min(1)).optional().meta({
      description: 'Error kinds: timeout, connection, http_5xx, http_429, JSON-RPC error codes, ...',
    }),
    retry_on_status_codes: z.array(z.int().min(100).max(599)).optional(),
  })
  .meta({ id: 'RetryConfig' });

export type RetryConfig = z.infer<typeof RetryConfigSchema>;
export type RetryType = (typeof RETRY_TYPES)[number];
