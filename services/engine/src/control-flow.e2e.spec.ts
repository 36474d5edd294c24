import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  jsonClient,
  startEngineProcess,
  startTestAgent,
  type EngineProcess,
  type TestAgent,
} from '@weft/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_FLOW_SCENARIOS, setUpControlFlow } from './scenarios/control-flow.scenarios';
import type { ScenarioHarness } from './scenarios/harness';

/**
 * Control flow (F1–F4) end to end on the embedded engine process (as `npm start` runs it), a real
 * JSON-RPC test agent, the HTTP API. The scenarios are shared with the distributed spec.
 */
let agent: TestAgent;
let dataDir: string;
let engine: EngineProcess | undefined;
let harness: ScenarioHarness;

beforeAll(async () => {
  agent = await startTestAgent();
  dataDir = await mkdtemp(join(tmpdir(), 'weft-flow-'));
  engine = await startEngineProcess({ dataDir });
  harness = { api: jsonClient(engine.api), agent };
  await setUpControlFlow(harness);
});
afterAll(async () => {
  if (engine) expect(await engine.kill('SIGTERM')).toBe(0);
  await agent?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('control flow on the embedded engine', () => {
  for (const scenario of CONTROL_FLOW_SCENARIOS) it(scenario.name, () => scenario.run(harness));
});
