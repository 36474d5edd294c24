import { KafkaEnv, LogEnv, loadServiceConfig, StoreEnv } from '@weft/engine';
import { z } from 'zod';
import { DlqRetentionEnv } from './dlq-retention';

/** The projection writer's environment (STYLE 13): Kafka, Postgres and the DLQ retention. */
export const ProjectionWriterConfigSchema = z.object({
  ...LogEnv,
  ...KafkaEnv,
  ...StoreEnv,
  ...DlqRetentionEnv,
});
export type ProjectionWriterConfig = Readonly<z.output<typeof ProjectionWriterConfigSchema>>;

export const loadProjectionWriterConfig = (env: NodeJS.ProcessEnv): ProjectionWriterConfig =>
  loadServiceConfig(ProjectionWriterConfigSchema, env);
