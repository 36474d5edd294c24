import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { freePort } from './free-port';
import { serviceNodeArgs } from './service-process';
import { waitFor } from './wait-for';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface EngineProcess {
  readonly url: string;
  readonly api: string;
  readonly pid: number;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** Send a signal and wait for the process to exit. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
  /** SIGTERM and wait (idempotent). */
  stop(): Promise<void>;
}

/**
 * Start the embedded engine as its own process, exactly as `npm start` does, on a free port and
 * the given data directory; resolves when `/readyz` answers 200.
 */
export async function startEngineProcess(options: {
  dataDir: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Extra node flags (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
}): Promise<EngineProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, serviceNodeArgs('engine', options.nodeArgs), {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: options.dataDir,
      LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code, signal) => resolveExit(code ?? (signal ? -1 : null))),
  );
  let exitedAlready = false;
  void exited.then(() => (exitedAlready = true));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      async () => {
        if (exitedAlready) throw new Error(`engine exited during start:\n${output}`);
        const res = await fetch(`${url}/readyz`).catch(() => undefined);
        return res?.status === 200;
      },
      { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 100, message: 'engine did not become ready' },
    );
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n--- engine output ---\n${output}`);
  }
  const kill = async (signal: NodeJS.Signals) => {
    if (!exitedAlready) child.kill(signal);
    return exited;
  };
  return {
    url,
    api: `${url}/api/v1`,
    pid: child.pid!,
    output: () => output,
    kill,
    stop: async () => {
      await kill('SIGTERM');
    },
  };
}
