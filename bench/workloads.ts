import { performance } from 'node:perf_hooks';
import { get, post } from './http';
import { cpuSeconds, rssSampler } from './proc';
import type { Stack } from './stack';

/** The agent every step calls: the no-op echo (bench/agent.ts). */
export const AGENT = 'bench-noop';
export const W10 = 'bench-w10';
export const FANOUT = 'bench-fanout-100';
export const LOOP_SEQ = 'bench-loop-seq';
export const LOOP_PAR = 'bench-loop-par';

const agentStep = (id: string, input: Record<string, unknown>) => ({
  id,
  agent_name: AGENT,
  input_mapping: input,
});

/** W10: ten sequential agent steps, each given the previous one's output. */
export const w10Definition = {
  workflow_id: W10,
  name: 'Benchmark W10',
  steps: Array.from({ length: 10 }, (_, i) =>
    agentStep(`s${i + 1}`, i === 0 ? { v: '${workflow.input.v}' } : { v: `\${s${i}.output.v}` }),
  ),
};

/** One parallel block of 100 agent steps, no parallelism limit. */
export const fanoutDefinition = {
  workflow_id: FANOUT,
  name: 'Benchmark fan-out 100',
  steps: [
    {
      id: 'fan',
      type: 'parallel',
      parallel_steps: Array.from({ length: 100 }, (_, i) => agentStep(`p${i}`, { v: '${workflow.input.v}' })),
    },
  ],
};

const loopDefinition = (workflowId: string, mode: 'sequential' | 'parallel') => ({
  workflow_id: workflowId,
  name: `Benchmark loop (${mode})`,
  steps: [
    {
      id: 'each',
      type: 'loop',
      loop_over: '${workflow.input.items}',
      execution_mode: mode,
      ...(mode === 'parallel' ? { max_parallelism: 50 } : {}),
      loop_step: agentStep('item', { n: '${loop.item}' }),
    },
  ],
  // The run's output stays small whatever the size: the cost measured is the loop's, not a copy of it.
  output_mapping: { done: true },
});

export const definitions = [
  w10Definition,
  fanoutDefinition,
  loopDefinition(LOOP_SEQ, 'sequential'),
  loopDefinition(LOOP_PAR, 'parallel'),
];

const TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']);

export interface Observe {
  /**
   * Long poll: each status read waits up to this long for the run to end (`GET /runs/:id?wait_ms=`).
   * 0: plain reads, `pollMs` apart.
   */
  readonly waitMs: number;
  /** Pause between two status reads of one run. */
  readonly pollMs: number;
  readonly timeoutMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start a run through the API; resolves to its id. */
export async function startRun(stack: Stack, workflowId: string, input: unknown): Promise<string> {
  const res = await post(`${stack.api}/workflows/${workflowId}/runs`, { input });
  if (res.status !== 202) throw new Error(`start ${workflowId}: ${res.status} ${JSON.stringify(res.body)}`);
  return String(res.body.run_id);
}

/** Read the run's status until it has ended; throws unless it COMPLETED. */
export async function awaitRun(stack: Stack, runId: string, observe: Observe): Promise<void> {
  const deadline = Date.now() + observe.timeoutMs;
  for (;;) {
    const res = await get(
      `${stack.api}/runs/${runId}${observe.waitMs > 0 ? `?wait_ms=${observe.waitMs}` : ''}`,
    );
    if (res.status === 200 && TERMINAL.has(res.body.status)) {
      if (res.body.status !== 'COMPLETED')
        throw new Error(`run ${runId} ended ${res.body.status}: ${JSON.stringify(res.body.error)}`);
      return;
    }
    if (res.status !== 200 && res.status !== 404) throw new Error(`status of ${runId}: ${res.status}`);
    if (Date.now() > deadline) throw new Error(`run ${runId} did not end in ${observe.timeoutMs} ms`);
    if (observe.pollMs > 0 && (observe.waitMs === 0 || res.status === 404)) await sleep(observe.pollMs);
  }
}

export async function runOnce(stack: Stack, workflowId: string, input: unknown, observe: Observe) {
  const started = performance.now();
  const runId = await startRun(stack, workflowId, input);
  await awaitRun(stack, runId, observe);
  return { runId, ms: performance.now() - started };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

/** A) `runs` runs of W10, `concurrency` in flight (a new one starts as one finishes). */
export async function throughput(stack: Stack, runs: number, concurrency: number, observe: Observe) {
  const cpuBefore = cpuSeconds(stack.pids());
  const rss = rssSampler(() => stack.pids());
  let next = 0;
  const first = performance.now();
  let last = first;
  const worker = async () => {
    while (next < runs) {
      next++;
      await runOnce(stack, W10, { v: next }, observe);
      last = performance.now();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, runs) }, worker));
  const peakRss = rss.stop();
  const cpu = cpuSeconds(stack.pids()) - cpuBefore;
  const seconds = (last - first) / 1000;
  const steps = runs * 10;
  return {
    workload: 'A',
    name: 'throughput W10',
    runs,
    concurrency,
    seconds: round(seconds, 3),
    runs_per_s: round(runs / seconds, 1),
    steps_per_s: round(steps / seconds, 1),
    cpu_s_per_step: round(cpu / steps, 6),
    engine_cpu_s: round(cpu, 2),
    peak_rss_mb: round(peakRss / 2 ** 20, 1),
  };
}

/** B) `runs` runs of W10 one after another, and the agent's own round trip. */
export async function latency(stack: Stack, agentUrl: string, runs: number, observe: Observe) {
  const e2e: number[] = [];
  for (let i = 0; i < runs; i++) e2e.push((await runOnce(stack, W10, { v: i }, observe)).ms);
  const direct: number[] = [];
  for (let i = 0; i < 100; i++) {
    const started = performance.now();
    const res = await post(agentUrl, { jsonrpc: '2.0', id: i, method: 'noop', params: { v: i } });
    if (res.status !== 200) throw new Error(`agent answered ${res.status}`);
    direct.push(performance.now() - started);
  }
  e2e.sort((a, b) => a - b);
  direct.sort((a, b) => a - b);
  const p50 = percentile(e2e, 50);
  const agentP50 = percentile(direct, 50);
  return {
    workload: 'B',
    name: 'latency W10',
    runs,
    observed_by: observe.waitMs > 0 ? 'long poll' : `polling every ${observe.pollMs} ms`,
    e2e_p50_ms: round(p50),
    e2e_p95_ms: round(percentile(e2e, 95)),
    e2e_p99_ms: round(percentile(e2e, 99)),
    agent_rtt_p50_ms: round(agentP50, 3),
    step_overhead_ms: round((p50 - 10 * agentP50) / 10, 3),
  };
}

/** C) one run of a parallel block of 100 agent steps; the median of `repeats`. */
export async function fanout(stack: Stack, repeats: number, observe: Observe) {
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) times.push((await runOnce(stack, FANOUT, { v: i }, observe)).ms);
  const sorted = [...times].sort((a, b) => a - b);
  return {
    workload: 'C',
    name: 'fan-out 100',
    repeats,
    median_ms: round(percentile(sorted, 50)),
    times_ms: times.map((t) => round(t)),
  };
}

/** The number of events of a run: the highest seq (seqs are 1, 2, 3 … with no gaps). */
async function eventCount(stack: Stack, runId: string): Promise<number> {
  let low = 0; // an event with seq > low exists
  let high = 1;
  const exists = async (afterSeq: number) => {
    const res = await get(`${stack.api}/runs/${runId}/events?after_seq=${afterSeq}&limit=1`);
    return res.status === 200 && res.body.items.length > 0;
  };
  while (await exists(high)) {
    low = high;
    high *= 2;
  }
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (await exists(mid)) low = mid;
    else high = mid;
  }
  return high;
}

/** D) one run of a loop over `items` items. */
export async function loop(stack: Stack, mode: 'sequential' | 'parallel', items: number, observe: Observe) {
  const workflowId = mode === 'sequential' ? LOOP_SEQ : LOOP_PAR;
  const cpuBefore = cpuSeconds(stack.pids());
  const rss = rssSampler(() => stack.pids(), 250);
  const { runId, ms } = await runOnce(
    stack,
    workflowId,
    { items: Array.from({ length: items }, (_, i) => i) },
    observe,
  );
  const peakRss = rss.stop();
  const cpu = cpuSeconds(stack.pids()) - cpuBefore;
  const events = await eventCount(stack, runId);
  return {
    workload: 'D',
    name: `loop ${mode} ${items}`,
    loop_mode: mode,
    items,
    ...(mode === 'parallel' ? { max_parallelism: 50 } : {}),
    seconds: round(ms / 1000, 3),
    ms_per_item: round(ms / items, 4),
    events,
    events_per_s: round(events / (ms / 1000), 1),
    engine_cpu_s: round(cpu, 2),
    peak_rss_mb: round(peakRss / 2 ** 20, 1),
  };
}
