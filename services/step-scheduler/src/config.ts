import { KafkaEnv, LogEnv, loadServiceConfig } from '@weft/engine';
import { z } from 'zod';

/** The step scheduler's environment (STYLE 13): Kafka only. */
export const StepSchedulerConfigSchema = z.object({ ...LogEnv, ...KafkaEnv });
export type StepSchedulerConfig = Readonly<z.output<typeof StepSchedulerConfigSchema>>;

export const loadStepSchedulerConfig = (env: NodeJS.ProcessEnv): StepSchedulerConfig =>
  loadServiceConfig(StepSchedulerConfigSchema, env);
