import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isPortFree } from './free-port';
import { waitFor } from './wait-for';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const script = join(repoRoot, 'deploy/local/kafka.sh');
const run = promisify(execFile);

/**
 * A Kafka broker of a test's own (deploy/local/kafka.sh on free ports and a temporary run dir), for
 * tests that stop the broker: the shared one on 127.0.0.1:19092 is never touched. Its log dir
 * survives `stop`, so `start` brings back the same topics, offsets and transactions.
 */
export interface KafkaBroker {
  /** `127.0.0.1:<port>`, for KAFKA_BROKERS. */
  readonly brokers: readonly string[];
  /** Start the broker (again) on its log dir; resolves once it answers Kafka requests. */
  start(): Promise<void>;
  /** SIGKILL: the JVM dies at once (resolves when it has exited); SIGTERM: a controlled shutdown. */
  stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Stop it and delete its run dir. Idempotent. */
  destroy(): Promise<void>;
}

export async function startKafkaBroker(options: { heapOpts?: string } = {}): Promise<KafkaBroker> {
  const runDir = await mkdtemp(join(tmpdir(), 'weft-kafka-'));
  const port = await stablePort();
  let controllerPort = await stablePort();
  while (controllerPort === port) controllerPort = await stablePort();
  const env = {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_RUN_DIR: runDir,
    KAFKA_HEAP_OPTS: options.heapOpts ?? '-Xms64m -Xmx256m',
    KAFKA_STOP_TIMEOUT: '15',
  };
  const kafkaSh = async (command: string) => {
    try {
      await run('bash', [script, command], { env, cwd: repoRoot });
    } catch (e) {
      const { stdout, stderr } = e as { stdout?: string; stderr?: string };
      throw new Error(`kafka.sh ${command} failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: e });
    }
  };
  const pid = async () => Number((await readFile(join(runDir, 'kafka.pid'), 'utf8').catch(() => '')).trim());
  /**
   * Until the process is gone from /proc: a killed JVM's main thread shows as a zombie while its
   * other threads are still exiting, and its listening socket stays open until they all have.
   */
  const alive = async (p: number) => (await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '')) !== '';
  let destroyed: Promise<void> | undefined;
  const broker: KafkaBroker = {
    brokers: [`127.0.0.1:${port}`],
    start: () => kafkaSh('up'),
    async stop(signal) {
      if (signal === 'SIGTERM') return kafkaSh('down');
      const p = await pid();
      if (!(p > 0) || !(await alive(p))) return;
      process.kill(p, 'SIGKILL');
      await waitFor(async () => !(await alive(p)), {
        timeoutMs: 10_000,
        message: `broker pid ${p} did not exit`,
      });
    },
    destroy: () =>
      (destroyed ??= (async () => {
        await kafkaSh('down').catch(async () => {
          const p = await pid();
          if (p > 0 && (await alive(p))) process.kill(p, 'SIGKILL');
        });
        await rm(runDir, { recursive: true, force: true });
      })()),
  };
  try {
    await broker.start();
  } catch (e) {
    await broker.destroy();
    throw e;
  }
  return broker;
}

/**
 * A free port below the kernel's ephemeral range. While the broker is down its clients keep
 * connecting to its port; were that port in the ephemeral range, one of those connections could
 * be given it as its own source port and connect to itself (TCP simultaneous open), holding the
 * port so the broker cannot listen on it again.
 */
async function stablePort(): Promise<number> {
  const range = await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').catch(() => '32768');
  const ephemeralStart = Number(range.trim().split(/\s+/)[0]) || 32768;
  const low = 10_000;
  const high = Math.max(low + 1000, ephemeralStart);
  for (let attempt = 0; attempt < 100; attempt++) {
    const candidate = low + Math.floor(Math.random() * (high - low));
    if (await isPortFree(candidate)) return candidate;
  }
  throw new Error(`no free port between ${low} and ${high}`);
}
