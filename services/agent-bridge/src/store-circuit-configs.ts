import type { Logger } from '@weft/contracts';
import { silentLogger } from '@weft/contracts';
import type { KeyValueStore } from '@weft/kv';
import type { CircuitBreaker, CircuitBreakerConfig } from '@weft/resilience';
import { getAgent, type Database } from '@weft/store';
import { CircuitBreakerConfigSchema } from '@weft/workflow';
import type { Kysely } from 'kysely';
import { createKvCircuitBreaker } from './circuit-breaker';

/**
 * Each agent's `circuit_breaker_config` from the registry, for `createKvCircuitBreaker`'s
 * `configFor`, remembered for `ttlMs` per name (a changed config takes effect within it). The
 * column was validated by the API; a value that no longer parses is logged and the defaults apply.
 */
export function storeCircuitBreakerConfigs(
  db: Kysely<Database>,
  options: { readonly ttlMs?: number; readonly logger?: Logger; readonly now?: () => number } = {},
): (agent: string) => Promise<CircuitBreakerConfig | undefined> {
  const ttlMs = options.ttlMs ?? 1000;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const cache = new Map<string, { at: number; value: Promise<CircuitBreakerConfig | undefined> }>();

  async function load(agent: string): Promise<CircuitBreakerConfig | undefined> {
    const row = await getAgent(db, agent);
    if (row?.circuit_breaker_config == null) return undefined;
    const parsed = CircuitBreakerConfigSchema.safeParse(row.circuit_breaker_config);
    if (parsed.success) return parsed.data;
    logger.warn(
      { agent_name: agent, err: parsed.error.message },
      'invalid circuit_breaker_config; using defaults',
    );
    return undefined;
  }

  return (agent) => {
    const hit = cache.get(agent);
    if (hit && now() - hit.at < ttlMs) return hit.value;
    const value = load(agent);
    cache.set(agent, { at: now(), value });
    value.catch(() => cache.delete(agent));
    return value;
  };
}

/** The agents' breakers over `kv` (Redis, or memory in one process), each agent's own config read from the registry. */
export function registryCircuitBreaker(kv: KeyValueStore, db: Kysely<Database>): CircuitBreaker {
  return createKvCircuitBreaker({ kv, configFor: storeCircuitBreakerConfigs(db) });
}
