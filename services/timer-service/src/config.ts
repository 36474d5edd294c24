import { KafkaEnv, LogEnv, loadServiceConfig, StoreEnv } from '@weft/engine';
import { z } from 'zod';

/** The timer service's environment (STYLE 13): Kafka and Postgres (the `timers` table). */
export const TimerServiceConfigSchema = z.object({
  ...LogEnv,
  ...KafkaEnv,
  ...StoreEnv,
  /** How often due timers are looked for; timers requested sooner wake the poller earlier. */
  TIMER_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  /** Events are read for timer requests at most this often (fewer wake-ups, timers up to this late). */
  TIMER_LINGER_MS: z.coerce.number().int().min(0).max(1_000).default(20),
});
export type TimerServiceConfig = Readonly<z.output<typeof TimerServiceConfigSchema>>;

export const loadTimerServiceConfig = (env: NodeJS.ProcessEnv): TimerServiceConfig =>
  loadServiceConfig(TimerServiceConfigSchema, env);
