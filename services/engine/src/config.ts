import { DlqRetentionEnv } from '@weft/projection-writer';
import { z } from 'zod';

/** The embedded engine's configuration, read once from the environment (STYLE 13). */
export const EngineConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  TOPIC_PREFIX: z.string().default(''),
  AGENT_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(256),
  /**
   * The projection writer waits up to this long before each fetch, so events batch (0: at once);
   * a run's last event, or 100 events waiting, end the wait at once.
   */
  PROJECTION_LINGER_MS: z.coerce.number().int().min(0).max(1_000).default(20),
  /** The timer service reads events for timer requests at most this often (timers up to this late). */
  TIMER_LINGER_MS: z.coerce.number().int().min(0).max(1_000).default(20),
  /**
   * Where the event log is kept: `file`, an append-only log in `<DATA_DIR>/log` (the default), or
   * `database`, tables in the embedded database (the layout before the file log).
   */
  EVENT_LOG: z.enum(['file', 'database']).default('file'),
  ...DlqRetentionEnv,
});

export type EngineConfig = Readonly<z.infer<typeof EngineConfigSchema>>;

export function loadEngineConfig(env: NodeJS.ProcessEnv): EngineConfig {
  const parsed = EngineConfigSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  return Object.freeze(parsed.data);
}
