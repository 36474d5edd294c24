import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { waitFor } from './wait-for';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The message of the log line a service writes once started (services/engine/src/run-service.ts). */
const READY_MESSAGE = 'service ready';

export interface ServiceProcess {
  readonly service: string;
  readonly pid: number;
  /** The fields of the service's `service ready` log line (the API's has `url`). */
  readonly ready: Readonly<Record<string, unknown>>;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** The process's JSON log lines so far (lines that are not JSON are left out). */
  logs(): Record<string, unknown>[];
  /** Send a signal (unless it has exited) and resolve to the exit code (-1 when a signal ended it). */
  kill(signal: NodeJS.Signals): Promise<number | null>;
  readonly exited: boolean;
}

export interface ServiceProcessOptions {
  /** `services/<service>/src/main.ts` is run. */
  readonly service: string;
  /** Added to this process's environment (with LOG_LEVEL=info unless set). */
  readonly env: Readonly<Record<string, string>>;
  /** How long to wait for `service ready`. Default 60 s. */
  readonly timeoutMs?: number;
  readonly nodeArgs?: readonly string[];
}

/**
 * The node flags of every service's start script in package.json (a spec keeps them the same): a
 * young generation of 64 MiB semi-spaces, four times Node's default. The services allocate
 * short-lived records, events and requests at a high rate; scavenging less often costs less CPU.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/**
 * The node arguments that run `services/<service>/src/main.ts` as its start script does, with
 * `nodeArgs` (profiling, say) added to the flags.
 */
export function serviceNodeArgs(service: string, nodeArgs: readonly string[] = []): string[] {
  return [...SERVICE_NODE_FLAGS, ...nodeArgs, '--import', 'tsx', `services/${service}/src/main.ts`];
}

/**
 * Start one distributed service as its own process, as `npm run start:<service>` does
 * (`node <SERVICE_NODE_FLAGS> --import tsx services/<service>/src/main.ts`), and resolve when it
 * logs `service ready`. A process that exits or does not become ready in time is killed and its
 * output thrown.
 */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const child: ChildProcess = spawn(process.execPath, serviceNodeArgs(options.service, options.nodeArgs), {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let partial = '';
  const lines: Record<string, unknown>[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    const text = d.toString();
    output += text;
    partial += text;
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const line of complete) {
      try {
        const parsed: unknown = JSON.parse(line);
        if (typeof parsed === 'object' && parsed !== null) lines.push(parsed as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  let exited = false;
  const exit = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code, signal) => {
      exited = true;
      resolveExit(code ?? (signal ? -1 : null));
    }),
  );
  let ready: Record<string, unknown>;
  try {
    // Resolves on the ready line, or at once when the process exits during start.
    const seen = await waitFor(
      () => lines.find((l) => l['msg'] === READY_MESSAGE) ?? (exited ? 'exited' : undefined),
      {
        timeoutMs: options.timeoutMs ?? 60_000,
        intervalMs: 50,
        message: `${options.service} did not become ready`,
      },
    );
    if (seen === 'exited') throw new Error(`${options.service} exited during start`);
    ready = seen;
  } catch (e) {
    child.kill('SIGKILL');
    await exit;
    throw new Error(`${(e as Error).message}\n--- ${options.service} output ---\n${output}`);
  }
  return {
    service: options.service,
    pid: child.pid!,
    ready,
    output: () => output,
    logs: () => [...lines],
    kill: async (signal) => {
      if (!exited) child.kill(signal);
      return exit;
    },
    get exited() {
      return exited;
    },
  };
}
