import type { Logger, Topics } from '@weft/contracts';
import type { CircuitBreaker } from '@weft/resilience';
import type { EventLog } from '@weft/eventlog';
import type { Database } from '@weft/store';
import type { Kysely } from 'kysely';
import type { RegistryCache } from './registry-cache';
import type { RunWatch } from './run-watch';

/** What the API's route modules are built from (STYLE 12: route modules are factories over deps). */
export interface ApiDeps {
  readonly db: Kysely<Database>;
  readonly log: EventLog;
  readonly topics: Topics;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly newRunId: () => string;
  /** Largest accepted request body in bytes (413 beyond). */
  readonly maxBodyBytes: number;
  /** The shared circuit breakers (F5), when the process has them: mounts the circuit routes. */
  readonly breaker?: CircuitBreaker;
  /** Whether the engine's consumers are up (readiness). */
  readonly isReady: () => boolean;
  /** Lets `GET /runs/:id?wait_ms=…` answer when the run ends; without it the parameter is ignored. */
  readonly runWatch?: RunWatch;
  /** What starts read of the registry, kept for a moment (`createApp` makes one if not given). */
  readonly registry?: RegistryCache;
}
