import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { closeClient, post } from './http';
import { startDistributed, startEmbedded, type Stack } from './stack';
import {
  AGENT,
  definitions,
  fanout,
  FANOUT,
  latency,
  loop,
  runOnce,
  throughput,
  W10,
  type Observe,
} from './workloads';

/**
 * `npm run bench -- --mode embedded|distributed [--quick] [--only A,B,C,D] [--max-items N]`:
 * starts the no-op agent and the engine, warms up, runs the workloads, prints one JSON line per
 * workload (prefixed by nothing, so `grep '^{'` finds them) and a table, and writes
 * `bench/results/<date>-<mode>.json` (quick runs: `bench/results/tmp/`, not committed).
 */
const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'embedded' },
    quick: { type: 'boolean', default: false },
    only: { type: 'string', default: 'A,B,C,D' },
    'max-items': { type: 'string' },
    'a-runs': { type: 'string' },
    /** Which D loops to run: seq (10,000 sequential), par (10,000 parallel), big (100,000 sequential). */
    loops: { type: 'string' },
    'poll-ms': { type: 'string' },
    'cpu-prof': { type: 'string' },
    out: { type: 'string' },
  },
});
const mode = values.mode;
if (mode !== 'embedded' && mode !== 'distributed') {
  console.error(`--mode must be embedded or distributed, not ${mode}`);
  process.exit(2);
}
const quick = values.quick;
const only = new Set(values.only.split(',').map((s) => s.trim().toUpperCase()));
const maxItems = values['max-items'] === undefined ? Infinity : Number(values['max-items']);
const benchDir = dirname(fileURLToPath(import.meta.url));

const sizes = quick
  ? { warmup: 2, aRuns: 10, aConcurrency: 5, bRuns: 3, cRepeats: 1, loops: [10, 10, 20] }
  : { warmup: 50, aRuns: 1000, aConcurrency: 50, bRuns: 100, cRepeats: 5, loops: [10_000, 10_000, 100_000] };
/**
 * Completion is observed by long polls (`GET /runs/:id?wait_ms=`) unless `--poll-ms N` asks for
 * plain status reads N ms apart.
 */
const pollMs = values['poll-ms'] === undefined ? undefined : Number(values['poll-ms']);
const waitMs = pollMs === undefined ? 30_000 : 0;
const observeA: Observe = { waitMs, pollMs: pollMs ?? 1, timeoutMs: 120_000 };
const observeB: Observe = { waitMs, pollMs: pollMs ?? 1, timeoutMs: 60_000 };
const observeD: Observe = { waitMs, pollMs: pollMs ?? 20, timeoutMs: 3_600_000 };

async function startAgent(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(benchDir, 'agent.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolveUrl((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`agent exited (${code}) before listening`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

async function setUp(stack: Stack, agentUrl: string): Promise<void> {
  const registered = await post(`${stack.api}/agents`, {
    name: AGENT,
    url: agentUrl,
    method: 'noop',
    timeout_seconds: 30,
  });
  if (registered.status !== 201) throw new Error(`register agent: ${JSON.stringify(registered.body)}`);
  for (const definition of definitions) {
    const res = await post(`${stack.api}/workflows`, definition);
    if (res.status !== 201) throw new Error(`create ${definition.workflow_id}: ${JSON.stringify(res.body)}`);
  }
}

function table(rows: Record<string, unknown>[]): string {
  const lines = rows.map((r) => {
    const { workload, name, ...rest } = r;
    const figures = Object.entries(rest)
      .filter(([k]) => !['mode', 'times_ms'].includes(k))
      .map(([k, v]) => `${k}=${String(v)}`)
      .join('  ');
    return `${String(workload).padEnd(2)} ${String(name).padEnd(24)} ${figures}`;
  });
  return lines.join('\n');
}

const results: Record<string, unknown>[] = [];
const emit = (result: Record<string, unknown>) => {
  const line = { mode, quick, ...result };
  results.push(line);
  console.log(JSON.stringify(line));
};

const agent = await startAgent();
const nodeArgs = values['cpu-prof']
  ? ['--cpu-prof', `--cpu-prof-dir=${resolve(values['cpu-prof'])}`]
  : undefined;
const started = new Date();
const load = loadavg();
let stack: Stack;
try {
  stack = mode === 'embedded' ? await startEmbedded({ nodeArgs }) : await startDistributed({ nodeArgs });
} catch (e) {
  agent.stop();
  throw e;
}
// Interrupted (Ctrl-C, a timeout's SIGTERM): the engine runs in its own process group, so stop it
// and the agent before exiting rather than leave them running; nothing is written.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`${signal}: stopping the engine and the agent`);
    void stack
      .stop()
      .catch((e: unknown) => console.error('stopping the engine:', e))
      .finally(() => {
        agent.stop();
        process.exit(130);
      });
  });
}
let failed = false;
try {
  await setUp(stack, agent.url);
  // Warm-up: JIT, connection pools, topic metadata; not measured.
  await Promise.all(Array.from({ length: sizes.warmup }, (_, i) => runOnce(stack, W10, { v: i }, observeA)));
  await runOnce(stack, FANOUT, { v: 0 }, observeB);
  if (only.has('A')) {
    const runs = values['a-runs'] === undefined ? sizes.aRuns : Number(values['a-runs']);
    emit(await throughput(stack, runs, sizes.aConcurrency, observeA));
  }
  if (only.has('B')) emit(await latency(stack, agent.url, sizes.bRuns, observeB));
  if (only.has('C')) emit(await fanout(stack, sizes.cRepeats, observeB));
  if (only.has('D')) {
    const [seq, par, big] = sizes.loops.map((n) => Math.min(n!, maxItems));
    const loops = (values.loops ?? 'seq,par,big').split(',');
    if (loops.includes('seq')) emit(await loop(stack, 'sequential', seq!, observeD));
    if (loops.includes('par')) emit(await loop(stack, 'parallel', par!, observeD));
    if (loops.includes('big')) emit(await loop(stack, 'sequential', big!, observeD));
  }
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await stack.stop().catch((e: unknown) => console.error('stopping the engine:', e));
  agent.stop();
  closeClient();
}

if (interrupted) await new Promise(() => {}); // the signal handler exits once the engine is stopped
console.log(`\n${mode}${quick ? ' (quick)' : ''}\n${table(results)}`);
const report = {
  date: started.toISOString(),
  mode,
  quick,
  machine: {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    load_average_at_start: load.map((l) => Number(l.toFixed(2))),
  },
  results,
};
const outFile =
  values.out ??
  join(benchDir, 'results', quick ? 'tmp' : '', `${started.toISOString().slice(0, 10)}-${mode}.json`);
await mkdir(dirname(outFile), { recursive: true });
await writeFile(outFile, `${JSON.stringify(report, null, 2)}\n`);
console.log(`results written to ${outFile}`);
process.exit(failed ? 1 : 0);
