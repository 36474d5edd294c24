import { KafkaEnv, LogEnv, loadServiceConfig, RedisEnv, StoreEnv } from '@weft/engine';
import { z } from 'zod';

/**
 * The agent bridge's environment (STYLE 13): Kafka, Postgres for the agent registry and the
 * circuit_breaker_events table, Redis for the circuit breakers shared by every bridge instance.
 */
export const AgentBridgeConfigSchema = z.object({
  ...LogEnv,
  ...KafkaEnv,
  ...StoreEnv,
  ...RedisEnv,
  /** Agent calls in flight at once. */
  AGENT_MAX_IN_FLIGHT: z.coerce.number().int().min(1).max(10_000).default(256),
  /** How long an agent's registration is remembered; a changed agent takes effect within this. */
  AGENT_DIRECTORY_TTL_MS: z.coerce.number().int().min(0).max(3_600_000).default(1000),
  /**
   * How long a success this bridge recorded into an agent's CLOSED circuit lets it call that agent
   * without asking Redis first (0: ask before every call). A circuit another bridge opens stops
   * this bridge's calls within this time, or at its next recorded outcome.
   */
  AGENT_CIRCUIT_TRUST_MS: z.coerce.number().int().min(0).max(60_000).default(250),
});
export type AgentBridgeConfig = Readonly<z.output<typeof AgentBridgeConfigSchema>>;

export const loadAgentBridgeConfig = (env: NodeJS.ProcessEnv): AgentBridgeConfig =>
  loadServiceConfig(AgentBridgeConfigSchema, env);
