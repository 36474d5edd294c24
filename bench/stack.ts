import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, serviceNodeArgs, startServiceProcess, waitFor, type ServiceProcess } from '@weft/testing';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { processTree } from './proc';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** What the benchmark runs against: the API's base URL and the processes whose cost is counted. */
export interface Stack {
  readonly mode: 'embedded' | 'distributed';
  /** `http://host:port/api/v1` */
  readonly api: string;
  /** Every process of the engine alive now (wrappers such as npm included: they cost what they cost). */
  pids(): number[];
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Extra node flags for the engine processes (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

/** `npm start` on a fresh data directory, as a user starts the embedded engine. */
export async function startEmbedded(options: StackOptions = {}): Promise<Stack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'weft-bench-'));
  const port = await freePort();
  // `npm start` runs `node <SERVICE_NODE_FLAGS> --import tsx services/engine/src/main.ts`; with node
  // flags (profiling, which NODE_OPTIONS does not carry) the same command is run directly.
  const [command, args] = options.nodeArgs
    ? [process.execPath, serviceNodeArgs('engine', options.nodeArgs)]
    : ['npm', ['start', '--silent']];
  const child = spawn(command, args, {
    cwd: repoRoot,
    detached: true, // its own process group: stopped as a whole
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  const exit = new Promise<void>((done) =>
    child.once('exit', () => {
      exited = true;
      done();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // already gone
    }
  };
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error('engine exited during start');
        const res = await fetch(`${url}/readyz`).catch(() => undefined);
        return res?.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: 'engine did not become ready' },
    );
  } catch (e) {
    killGroup('SIGKILL');
    throw new Error(`${(e as Error).message}\n--- engine output ---\n${output}`);
  }
  return {
    mode: 'embedded',
    api: `${url}/api/v1`,
    pids: () => processTree(child.pid!),
    async stop() {
      const pids = processTree(child.pid!);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
      const forced = setTimeout(() => killGroup('SIGKILL'), 30_000);
      await exit;
      await waitFor(() => pids.every((p) => !processTree(p).length), { timeoutMs: 30_000, intervalMs: 50 });
      clearTimeout(forced);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const DISTRIBUTED_SERVICES = ['step-scheduler', 'projection-writer', 'timer-service', 'agent-bridge', 'api'];

/**
 * Every distributed service as its own process (as `npm run start:<service>` runs it) on the local
 * Kafka and Postgres (`deploy/local`), on a fresh topic prefix and Postgres schema, dropped on stop.
 */
export async function startDistributed(options: StackOptions = {}): Promise<Stack> {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',').map((b) => b.trim());
  const databaseUrl =
    process.env.WEFT_BENCH_DATABASE_URL ??
    process.env.WEFT_TEST_DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/test';
  const suffix = randomBytes(4).toString('hex');
  const prefix = `weft-bench.${suffix}.`;
  const schema = `weft_bench_${suffix}`;
  const withDatabase = async (statement: string) => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await withDatabase(`create schema "${schema}"`);
  const env = {
    KAFKA_BROKERS: brokers.join(','),
    TOPIC_PREFIX: prefix,
    DATABASE_URL: databaseUrl,
    DATABASE_SCHEMA: schema,
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    KAFKA_HEARTBEAT_INTERVAL_MS: '500',
    KAFKA_REBALANCE_TIMEOUT_MS: '10000',
    PORT: '0',
    HOST: '127.0.0.1',
    ...options.env,
  };
  const processes: ServiceProcess[] = [];
  const cleanup = async () => {
    await Promise.all(processes.map((p) => p.kill('SIGTERM')));
    const kafka = new Kafka({ clientId: `${prefix}bench`, brokers, logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    try {
      await admin.connect();
      const groups = (await admin.listGroups()).groups
        .map((g) => g.groupId)
        .filter((g) => g.startsWith(prefix));
      if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
      const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
      if (topics.length > 0) await admin.deleteTopics({ topics });
    } finally {
      await admin.disconnect();
    }
    await withDatabase(`drop schema if exists "${schema}" cascade`);
  };
  try {
    // The scheduler first: it creates the topics the others subscribe to.
    for (const service of DISTRIBUTED_SERVICES) {
      processes.push(
        await startServiceProcess({
          service,
          env,
          ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
        }),
      );
    }
  } catch (e) {
    await cleanup().catch(() => undefined);
    throw e;
  }
  const api = processes.find((p) => p.service === 'api')!;
  return {
    mode: 'distributed',
    api: String(api.ready['url']),
    pids: () => processes.flatMap((p) => processTree(p.pid)),
    stop: cleanup,
  };
}
