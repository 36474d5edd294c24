import { WeftError } from '@weft/contracts';
import { z } from 'zod';

/**
 * The environment of a distributed service (STYLE 13), in fragments each service composes into its
 * own schema (`services/<name>/src/config.ts`). Read once in `main.ts`, parsed, defaults applied,
 * frozen; an empty variable counts as unset.
 */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LogEnv = {
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
};

const optionalMs = z.coerce.number().int().min(1).max(3_600_000).optional();

export const KafkaEnv = {
  /** Bootstrap brokers, `host:port[,host:port…]`. */
  KAFKA_BROKERS: z
    .string()
    .transform((s) => s.split(',').map((b) => b.trim()))
    .pipe(z.array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'each broker must be host:port')).min(1)),
  /** Prefix of every topic (SPEC §7) and of every consumer group. */
  TOPIC_PREFIX: z
    .string()
    .max(100)
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only (Kafka topic characters)')
    .default(''),
  /** Partitions of the topics a service creates on first use. */
  KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(10_000).default(3),
  /** Consumer group tuning (the adapter's defaults when unset: 30 s, 3 s, 60 s). */
  KAFKA_SESSION_TIMEOUT_MS: optionalMs,
  KAFKA_HEARTBEAT_INTERVAL_MS: optionalMs,
  KAFKA_REBALANCE_TIMEOUT_MS: optionalMs,
};

export const StoreEnv = {
  /** `postgres://user@host:port/db`. */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  /** Schema to work in (created if missing); the connection's default otherwise. */
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case identifier of at most 63 characters')
    .optional(),
  /**
   * Apply pending migrations at start. Safe from several processes at once (Kysely's migrator holds
   * a Postgres advisory lock); turn it off when a separate job migrates, e.g. during rolling upgrades.
   */
  DATABASE_MIGRATE: z.stringbool().default(true),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(1000).default(10),
};

export const RedisEnv = {
  /** The circuit breakers' shared state (SPEC F5), `redis://[user:password@]host:port[/db]`. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key; TOPIC_PREFIX when unset, so deployments sharing a Redis stay apart. */
  REDIS_KEY_PREFIX: z.string().max(100).optional(),
};

export const HttpEnv = {
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
};

export type KafkaConfig = Readonly<z.output<z.ZodObject<typeof KafkaEnv>>>;
export type StoreConfig = Readonly<z.output<z.ZodObject<typeof StoreEnv>>>;
export type RedisConfig = Readonly<z.output<z.ZodObject<typeof RedisEnv>>>;

/**
 * Parse the environment with a service's schema. Fails with VALIDATION_FAILED naming every missing
 * variable and every invalid one (with why).
 */
export function loadServiceConfig<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv,
): Readonly<z.output<S>> {
  const present: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && value !== '') present[name] = value;
  const parsed = schema.safeParse(present);
  if (parsed.success) return Object.freeze(parsed.data);
  const missing = new Set<string>();
  const invalid: string[] = [];
  for (const issue of parsed.error.issues) {
    const name = String(issue.path[0] ?? '');
    if (present[name] === undefined) missing.add(name);
    else invalid.push(`${name}: ${issue.message}`);
  }
  const problems = [
    ...(missing.size > 0 ? [`missing ${[...missing].join(', ')}`] : []),
    ...(invalid.length > 0 ? [`invalid ${invalid.join('; ')}`] : []),
  ];
  throw new WeftError('VALIDATION_FAILED', `invalid configuration: ${problems.join('; ')}`, {
    details: parsed.error.issues.map((i) => ({ pointer: `/${String(i.path[0] ?? '')}`, message: i.message })),
  });
}
