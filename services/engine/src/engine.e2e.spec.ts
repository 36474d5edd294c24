import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  jsonClient,
  startEngineProcess,
  startTestAgent,
  waitFor,
  type EngineProcess,
  type JsonClient,
  type TestAgent,
} from '@weft/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_STEP_SCENARIOS } from './scenarios/agent-steps.scenarios';
import { createWorkflow, registerAgent, runUntilEnded, type ScenarioHarness } from './scenarios/harness';

/**
 * End to end: the engine as its own process (as `npm start` runs it), a real JSON-RPC test agent,
 * everything through the HTTP API.
 */
let agent: TestAgent;
let dataDir: string;
let engine: EngineProcess | undefined;
let api: JsonClient;

beforeAll(async () => {
  agent = await startTestAgent();
  dataDir = await mkdtemp(join(tmpdir(), 'weft-e2e-'));
});
afterEach(async () => {
  // Graceful shutdown on SIGTERM: the process exits 0.
  if (engine) expect(await engine.kill('SIGTERM')).toBe(0);
  engine = undefined;
});
afterAll(async () => {
  await agent?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function start(): Promise<void> {
  engine = await startEngineProcess({ dataDir });
  api = jsonClient(engine.api);
}

const harness = (): ScenarioHarness => ({ api, agent });

describe('a sequential workflow end to end', () => {
  // The scenarios shared with the distributed spec, each on a fresh engine process.
  for (const scenario of AGENT_STEP_SCENARIOS) {
    it(scenario.name, async () => {
      await start();
      await scenario.run(harness());
    });
  }

  // Embedded only: SIGKILL of the one engine process, restarted on the same data directory.
  it('survives SIGKILL mid-run: restarted on the same data directory the run completes, nothing twice', async () => {
    await start();
    agent.on('slow', { kind: 'delay', ms: 2500 });
    await registerAgent(harness(), 'fast-agent', 'fast');
    await registerAgent(harness(), 'slow-agent', 'slow');
    await createWorkflow(harness(), {
      workflow_id: 'durable',
      name: 'Durable',
      steps: [
        { id: 'one', agent_name: 'fast-agent', input_mapping: { n: 1 } },
        { id: 'two', agent_name: 'slow-agent', input_mapping: { n: '${one.output.n}' } },
        { id: 'three', agent_name: 'fast-agent', input_mapping: { n: '${two.output.n}', done: true } },
      ],
    });
    const started = await api.post('/workflows/durable/runs', { input: {} });
    const runId: string = started.body.run_id;
    await waitFor(() => agent.inFlight('slow') === 1, {
      timeoutMs: 20_000,
      message: 'slow step never called',
    });

    expect(await engine!.kill('SIGKILL')).toBe(-1);
    engine = undefined;
    await start();

    const run = await runUntilEnded(harness(), runId);
    expect(run).toMatchObject({ status: 'COMPLETED', output: { n: 1, done: true } });
    const events = (await api.get(`/runs/${runId}/events`)).body.items as {
      seq: number;
      type: string;
      step_path: string | null;
    }[];
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => `${e.type}:${e.step_path ?? ''}`)).toEqual([
      'RunStarted:',
      'StepScheduled:one',
      'StepCompleted:one',
      'StepScheduled:two',
      'StepCompleted:two',
      'StepScheduled:three',
      'StepCompleted:three',
      'RunCompleted:',
    ]);
    const steps = (await api.get(`/runs/${runId}/steps`)).body.items as {
      step_id: string;
      status: string;
      attempt: number;
    }[];
    expect(steps.map((s) => [s.step_id, s.status, s.attempt])).toEqual([
      ['one', 'COMPLETED', 1],
      ['two', 'COMPLETED', 1],
      ['three', 'COMPLETED', 1],
    ]);
  });
});
