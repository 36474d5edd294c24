import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeEvent, topicNames, type RunEvent, type Topics } from '@weft/contracts';
import { openKafkaEventLog, type EventLog, type LogRecord } from '@weft/eventlog';
import { jsonClient, startServiceProcess, type JsonClient, type ServiceProcess } from '@weft/testing';
import { Kafka, KafkaJSDeleteGroupsError, logLevel, type Admin } from 'kafkajs';
import pg from 'pg';

/**
 * The distributed mode for end-to-end tests: each service its own process (as
 * `npm run start:<service>` runs it) on a Kafka broker and Postgres, on a unique TOPIC_PREFIX
 * (topics, consumer groups, transactional ids) and a unique Postgres schema, so stacks of several
 * test files share a broker and a database without seeing each other. `close()` kills every
 * process it started and deletes the topics, groups and schema.
 */
export const SERVICES = [
  'step-scheduler',
  'projection-writer',
  'timer-service',
  'agent-bridge',
  'api',
] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The broker tests use unless KAFKA_BROKERS (or KAFKA_PORT) says otherwise. */
export const sharedBrokers = (): string[] =>
  (process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? '19092'}`)
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);

export const testDatabaseUrl = () =>
  process.env.WEFT_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Consumer group tuning: group joins and leaves take milliseconds, a dead member is dropped in 6 s. */
export const FAST_GROUPS = { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 10_000 };

export interface DistributedStackOptions {
  /** Part of the prefix and schema names (letters, digits, `_`). */
  readonly label: string;
  readonly brokers?: readonly string[];
  readonly databaseUrl?: string;
  /** Started in this order; default all five. */
  readonly services?: readonly ServiceName[];
  /** Added to every service's environment. */
  readonly env?: Readonly<Record<string, string>>;
  readonly tuning?: typeof FAST_GROUPS;
  /** The broker is the test's own and is thrown away after it: `close()` leaves its topics and groups. */
  readonly disposableBroker?: boolean;
}

export interface DistributedStack {
  readonly prefix: string;
  readonly schema: string;
  readonly topics: Topics;
  readonly brokers: readonly string[];
  /** The api process's `/api/v1`. */
  readonly api: JsonClient;
  /** A client of the stack's broker (the caller disconnects what it makes of it). */
  readonly kafka: Kafka;
  readonly admin: Admin;
  /** A running instance: the service's name, or the name given to `start` for another instance. */
  instance(name: string): ServiceProcess;
  /**
   * Start `service` as instance `name` (default: the service's name; the previous process of that
   * name must have exited). More instances of one service join the same consumer group.
   */
  start(service: ServiceName, name?: string): Promise<ServiceProcess>;
  /** A read-committed consumer of `topics` from their beginning, each record kept once. */
  observe(topics: readonly string[]): Promise<ObservedLog>;
  /** A query in the stack's schema. */
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

export interface ObservedLog {
  /** Records seen so far, each (topic, partition, offset) once, in arrival order. */
  records(): readonly LogRecord[];
  /** The decoded events of a run on wf.events, in log order. */
  events(runId: string): RunEvent[];
}

export async function startDistributedStack(options: DistributedStackOptions): Promise<DistributedStack> {
  const brokers = [...(options.brokers ?? sharedBrokers())];
  const databaseUrl = options.databaseUrl ?? testDatabaseUrl();
  const suffix = randomBytes(4).toString('hex');
  const prefix = `weft-e2e.${options.label}.${suffix}.`;
  const schema = `weft_${options.label}_${suffix}`.toLowerCase();
  const topics = topicNames(prefix);
  const tuning = options.tuning ?? FAST_GROUPS;
  const env: Record<string, string> = {
    KAFKA_BROKERS: brokers.join(','),
    TOPIC_PREFIX: prefix,
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    DATABASE_POOL_MAX: '4',
    KAFKA_SESSION_TIMEOUT_MS: String(tuning.sessionTimeoutMs),
    KAFKA_HEARTBEAT_INTERVAL_MS: String(tuning.heartbeatIntervalMs),
    KAFKA_REBALANCE_TIMEOUT_MS: String(tuning.rebalanceTimeoutMs),
    PORT: '0',
    HOST: '127.0.0.1',
    ...options.env,
  };
  const processes = new Map<string, ServiceProcess>();
  /** Every process started, restarted ones included, for WEFT_E2E_LOGS. */
  const started: { name: string; proc: ServiceProcess }[] = [];
  const observers: EventLog[] = [];
  const kafka = new Kafka({ clientId: `${prefix}test`, brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2, options: `-c search_path=${schema}` });
  let schemaCreated = false;

  const close = async () => {
    await Promise.allSettled([...processes.values()].map((p) => p.kill('SIGKILL')));
    await Promise.allSettled(observers.map((o) => o.close()));
    await writeLogs(prefix, started);
    try {
      if (!options.disposableBroker) await deleteKafkaLeftovers(admin, prefix);
    } finally {
      await admin.disconnect();
      if (schemaCreated) await pool.query(`drop schema if exists "${schema}" cascade`);
      await pool.end();
    }
  };

  const start = async (service: ServiceName, name: string = service) => {
    const running = processes.get(name);
    if (running && !running.exited) throw new Error(`${name} is still running`);
    const proc = await startServiceProcess({ service, env });
    processes.set(name, proc);
    started.push({ name, proc });
    return proc;
  };

  try {
    await admin.connect().catch((e: unknown) => {
      throw new Error(`Kafka is not reachable at ${brokers.join(',')}: run \`npm run kafka:up\` first`, {
        cause: e,
      });
    });
    // Created here, not by the first service to open it, so nothing races to create it.
    await pool.query(`create schema "${schema}"`);
    schemaCreated = true;
    const starts = await Promise.allSettled((options.services ?? SERVICES).map((s) => start(s)));
    const failed = starts.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }

  const api = processes.get('api');
  return {
    prefix,
    schema,
    topics,
    brokers,
    api: jsonClient(api ? String(api.ready['url']) : 'http://127.0.0.1:1'),
    kafka,
    admin,
    instance(name) {
      const found = processes.get(name);
      if (!found) throw new Error(`no instance ${name}`);
      return found;
    },
    start,
    async observe(observed) {
      const log = await openKafkaEventLog({
        brokers,
        clientId: `${prefix}observer`,
        compactedTopics: [topics.runState],
        consumer: tuning,
      });
      observers.push(log);
      const seen = new Map<string, LogRecord>();
      await log.consume(
        { groupId: `${prefix}observer-${observers.length}`, topics: observed },
        async (batch) => {
          for (const r of batch.records) seen.set(`${r.topic}/${r.partition}/${r.offset}`, r);
        },
      );
      return {
        records: () => [...seen.values()],
        events: (runId) =>
          [...seen.values()]
            .filter((r) => r.topic === topics.events && r.key === runId)
            .sort((a, b) => a.offset - b.offset)
            .map((r) => {
              const decoded = decodeEvent(r.value);
              if (!decoded.ok) throw new Error(`invalid event at ${r.partition}@${r.offset}: ${r.value}`);
              return decoded.value;
            }),
      };
    },
    async query<R extends object>(sql: string, params: unknown[] = []) {
      return (await pool.query(sql, params)).rows as R[];
    },
    close,
  };
}

/** With WEFT_E2E_LOGS=<dir>, every process's output is kept there as `<prefix><instance>.<n>.log`. */
async function writeLogs(prefix: string, started: { name: string; proc: ServiceProcess }[]) {
  const dir = process.env.WEFT_E2E_LOGS;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await Promise.all(
    started.map(({ name, proc }, i) =>
      writeFile(join(dir, `${prefix}${name.replace(/[^\w.-]/g, '_')}.${i}.log`), proc.output()),
    ),
  );
}

async function deleteKafkaLeftovers(admin: Admin, prefix: string): Promise<void> {
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
  if (groups.length > 0) {
    await admin.deleteGroups(groups).catch((e: unknown) => {
      if (!(e instanceof KafkaJSDeleteGroupsError)) throw e;
    });
  }
  const created = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (created.length > 0) await admin.deleteTopics({ topics: created });
}
