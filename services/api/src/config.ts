import { HttpEnv, KafkaEnv, LogEnv, loadServiceConfig, RedisEnv, StoreEnv } from '@weft/engine';
import { z } from 'zod';

/** The API's environment (STYLE 13): HTTP, Kafka (to produce commands), Postgres, Redis (circuits). */
export const ApiConfigSchema = z.object({
  ...LogEnv,
  ...KafkaEnv,
  ...StoreEnv,
  ...RedisEnv,
  ...HttpEnv,
  /** Consume `wf.start-requests` in this process (group `ingress`); any number of API instances may. */
  INGRESS_ENABLED: z.stringbool().default(true),
});
export type ApiConfig = Readonly<z.output<typeof ApiConfigSchema>>;

export const loadApiConfig = (env: NodeJS.ProcessEnv): ApiConfig => loadServiceConfig(ApiConfigSchema, env);
