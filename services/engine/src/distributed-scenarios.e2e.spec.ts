import { startTestAgent, type TestAgent } from '@weft/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { AGENT_STEP_SCENARIOS } from './scenarios/agent-steps.scenarios';
import { CONTROL_FLOW_SCENARIOS, setUpControlFlow } from './scenarios/control-flow.scenarios';
import { startDistributedStack, type DistributedStack } from './scenarios/distributed-stack';
import type { ScenarioHarness } from './scenarios/harness';

/**
 * The embedded suite's scenarios (engine.e2e, control-flow.e2e) in distributed mode: each service
 * its own process on the real Kafka broker and Postgres, through the api process, one set of
 * processes for the file. The embedded-only scenario (SIGKILL of the one engine process) has its
 * distributed counterparts in distributed-faults.e2e.spec.ts.
 */
let stack: DistributedStack | undefined;
let agent: TestAgent | undefined;
let harness: ScenarioHarness;

beforeAll(async () => {
  agent = await startTestAgent();
  stack = await startDistributedStack({ label: 'scenarios' });
  harness = { api: stack.api, agent };
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await agent?.close();
}, 60_000);

describe('distributed mode: sequential agent steps', () => {
  for (const scenario of AGENT_STEP_SCENARIOS) it(scenario.name, () => scenario.run(harness));
});

describe('distributed mode: control flow', () => {
  beforeAll(() => setUpControlFlow(harness));
  for (const scenario of CONTROL_FLOW_SCENARIOS) it(scenario.name, () => scenario.run(harness));
});
