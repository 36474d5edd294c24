import { waitFor, type JsonClient, type TestAgent } from '@weft/testing';
import { expect } from 'vitest';

/**
 * What an end-to-end scenario drives: the HTTP API of a running engine (embedded: one process;
 * distributed: the api process in front of the other services) and the real JSON-RPC test agent
 * its workflows call. The same scenario functions run in both modes.
 */
export interface ScenarioHarness {
  readonly api: JsonClient;
  readonly agent: TestAgent;
}

/** One scenario: a test body over a harness, run by the embedded and the distributed spec. */
export interface Scenario {
  readonly name: string;
  readonly run: (h: ScenarioHarness) => Promise<void>;
}

export const ENDED = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];

export async function registerAgent(
  h: ScenarioHarness,
  name: string,
  method: string,
  timeoutSeconds = 30,
): Promise<void> {
  const res = await h.api.post('/agents', {
    name,
    url: h.agent.url,
    method,
    timeout_seconds: timeoutSeconds,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

export async function createWorkflow(h: ScenarioHarness, definition: object): Promise<any> {
  const res = await h.api.post('/workflows', definition);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** Start a run through the API; resolves to its run id. */
export async function startRun(h: ScenarioHarness, workflowId: string, input: unknown): Promise<string> {
  const started = await h.api.post(`/workflows/${workflowId}/runs`, { input });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  return started.body.run_id;
}

/** Poll `GET /runs/{id}` until the run has ended; resolves to the run. */
export async function runUntilEnded(h: ScenarioHarness, runId: string, timeoutMs = 60_000): Promise<any> {
  return waitFor(
    async () => {
      const res = await h.api.get(`/runs/${runId}`);
      return res.status === 200 && ENDED.includes(res.body.status) ? res.body : undefined;
    },
    { timeoutMs, intervalMs: 50, message: `run ${runId} did not end` },
  );
}

/** Start a run and wait for it to end. */
export async function runToEnd(h: ScenarioHarness, workflowId: string, input: unknown, timeoutMs?: number) {
  return runUntilEnded(h, await startRun(h, workflowId, input), timeoutMs);
}

export async function stepsOf(h: ScenarioHarness, runId: string): Promise<any[]> {
  return (await h.api.get(`/runs/${runId}/steps`)).body.items;
}

/** The run's events once the projection holds `count` of them (it may trail the run's status). */
export async function eventsOf(h: ScenarioHarness, runId: string, count?: number): Promise<any[]> {
  if (count === undefined) return (await h.api.get(`/runs/${runId}/events`)).body.items;
  return waitFor(
    async () => {
      const items = (await h.api.get(`/runs/${runId}/events`)).body.items;
      return items.length === count ? items : undefined;
    },
    { timeoutMs: 30_000, message: `run ${runId} does not have ${count} events` },
  );
}
