import { z } from 'zod';
import { RetryConfigSchema } from './retry-config.schema';
import { NameSchema, PositiveIntSchema } from './schema-primitives';

/** Circuit breaker of one agent (SPEC F5); missing fields take the engine defaults. */
export const CircuitBreakerConfigSchema = z
  .strictObject({
    failure_threshold: PositiveIntSchema.optional(),
    failure_rate_threshold: z
      .number()
      .gt(0)
      .max(1)
      .optional()
      .meta({ description: 'Fraction of failed calls in the window, in (0, 1].' }),
    window_size: PositiveIntSchema.optional(),
    minimum_calls: PositiveIntSchema.optional(),
    recovery_timeout_seconds: PositiveIntSchema.optional(),
    half_open_max_calls: PositiveIntSchema.optional(),
  })
  .meta({ id: 'CircuitBreakerConfig' });

/** The pattern makes the generated JSON Schema say what the protocol check says. */
const HttpUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .regex(/^https?:\/\//, 'must be an http or https URL');

/** An agent registration (SPEC §2): a JSON-RPC 2.0 endpoint over HTTP. */
export const AgentSpecSchema = z
  .strictObject({
    name: NameSchema,
    url: HttpUrlSchema,
    method: z.string().min(1).default('execute'),
    timeout_seconds: z.int().min(1).max(3600).default(30),
    retry_config: RetryConfigSchema.optional(),
    circuit_breaker_config: CircuitBreakerConfigSchema.optional(),
    headers: z.record(z.string(), z.string()).optional(),
    description: z.string().optional(),
  })
  .meta({ id: 'AgentSpec', title: 'Weft agent registration' });

/** A parsed agent registration: defaults applied. */
export type AgentSpec = z.infer<typeof AgentSpecSchema>;
/** An agent registration as a client sends it. */
export type AgentSpecInput = z.input<typeof AgentSpecSchema>;
export type CircuitBreakerConfig = z.infer<typeof CircuitBreakerConfigSchema>;
