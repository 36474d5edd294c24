import { z } from 'zod';
import { JsonObjectSchema } from './json';

/** An agent as a run sees it: recorded in RunStarted, so retries replay without the registry. */
export const AgentSnapshotSchema = z.strictObject({
  retry_config: JsonObjectSchema.nullable().optional(),
  timeout_seconds: z.number().positive().optional(),
});
export type AgentSnapshot = z.infer<typeof AgentSnapshotSchema>;
