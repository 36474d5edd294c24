import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The benchmark harness works end to end (`npm run bench -- --quick`): it starts the engine in each
 * mode, runs every workload at small sizes and reports each as a well-formed JSON line and in the
 * results file. No figure is asserted: this proves the harness, not the engine's speed.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let outDir: string;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'weft-bench-e2e-'));
});
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

function runBench(
  mode: string,
  out: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--mode', mode, '--quick', '--out', out],
      {
        cwd: repoRoot,
        env: { ...process.env, KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:19092' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

const positive = expect.any(Number) as unknown;

describe.each(['embedded', 'distributed'])('npm run bench -- --mode %s --quick', (mode) => {
  it('runs workloads A–D and prints one well-formed JSON line for each', async () => {
    const out = join(outDir, `${mode}.json`);
    const { code, stdout, stderr } = await runBench(mode, out);
    expect(code, `${stdout}\n${stderr}`).toBe(0);

    const lines = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l['workload'], l['name']])).toEqual([
      ['A', 'throughput W10'],
      ['B', 'latency W10'],
      ['C', 'fan-out 100'],
      ['D', 'loop sequential 10'],
      ['D', 'loop parallel 10'],
      ['D', 'loop sequential 20'],
    ]);
    for (const line of lines) expect(line).toMatchObject({ mode, quick: true });
    const [a, b, c, ...d] = lines;
    expect(a).toMatchObject({
      runs: 10,
      runs_per_s: positive,
      steps_per_s: positive,
      cpu_s_per_step: positive,
    });
    expect(b).toMatchObject({
      runs: 3,
      e2e_p50_ms: positive,
      e2e_p95_ms: positive,
      e2e_p99_ms: positive,
      agent_rtt_p50_ms: positive,
      step_overhead_ms: positive,
    });
    expect(c).toMatchObject({ repeats: 1, median_ms: positive });
    for (const loop of d) {
      expect(loop).toMatchObject({ seconds: positive, events_per_s: positive, peak_rss_mb: positive });
      // Every iteration's agent step was recorded: at least a start and a completion per item.
      expect(loop['events']).toBeGreaterThanOrEqual(2 * Number(loop['items']));
    }
    for (const figure of [a!['steps_per_s'], b!['e2e_p50_ms'], c!['median_ms']])
      expect(figure).toBeGreaterThan(0);

    // The human table and the results file carry the same lines.
    expect(stdout).toContain('throughput W10');
    const report = JSON.parse(await readFile(out, 'utf8')) as { mode: string; results: unknown[] };
    expect(report.mode).toBe(mode);
    expect(report.results).toEqual(lines);
  });
});
