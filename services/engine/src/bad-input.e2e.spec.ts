import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  jsonClient,
  startEngineProcess,
  startTestAgent,
  type EngineProcess,
  type JsonClient,
  type TestAgent,
} from '@weft/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Bad input through the HTTP API of a running engine process: every case is a clear 4xx in the
 * SPEC §6 error shape, and the engine keeps serving.
 */
let agent: TestAgent;
let dataDir: string;
let engine: EngineProcess;
let api: JsonClient;

beforeAll(async () => {
  agent = await startTestAgent();
  dataDir = await mkdtemp(join(tmpdir(), 'weft-bad-input-'));
  engine = await startEngineProcess({ dataDir, env: { MAX_BODY_BYTES: String(64 * 1024) } });
  api = jsonClient(engine.api);
  expect((await api.post('/agents', { name: 'echo', url: agent.url, method: 'echo' })).status).toBe(201);
  const created = await api.post('/workflows', {
    workflow_id: 'typed',
    name: 'Typed input',
    input_schema: {
      type: 'object',
      required: ['order'],
      properties: { order: { type: 'object', required: ['id'] } },
    },
    steps: [{ id: 'a', agent_name: 'echo' }],
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
});
afterAll(async () => {
  await engine?.stop();
  await agent?.close();
  await rm(dataDir, { recursive: true, force: true });
});

function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Array) } });
}

const step = (id: string, extra: object = {}) => ({ id, agent_name: 'echo', ...extra });
const workflow = (steps: object[], extra: object = {}) => ({
  workflow_id: 'bad',
  name: 'Bad',
  steps,
  ...extra,
});

describe('invalid definitions are 400 with every error and its pointer', () => {
  const cases: [string, object, string, string][] = [
    [
      'unknown step reference',
      workflow([step('a', { next_step: 'nowhere' })]),
      '/steps/0/next_step',
      'unknown_step',
    ],
    ['duplicate step id', workflow([step('a'), step('a')]), '/steps/1/id', 'duplicate_id'],
    ['unknown field', workflow([step('a', { agent: 'x' })]), '/steps/0/agent', 'schema'],
    ['unknown agent', workflow([{ id: 'a', agent_name: 'ghost' }]), '/steps/0/agent_name', 'unknown_agent'],
    [
      'cycle of jumps',
      workflow([step('a', { next_step: 'b' }), step('b', { next_step: 'a' })]),
      '/steps',
      'cycle',
    ],
    [
      'unknown step in a reference',
      workflow([step('a', { input_mapping: { x: '${nope.output.x}' } })]),
      '/steps/0/input_mapping/x',
      'unknown_reference',
    ],
    ['reserved step id', workflow([step('workflow')]), '/steps/0/id', 'reserved_id'],
    ['missing steps', { workflow_id: 'bad', name: 'Bad' }, '', ''],
    ['bad input_schema', workflow([step('a')], { input_schema: { type: 'nope' } }), '/input_schema', ''],
  ];
  for (const [name, body, pointer, code] of cases) {
    it(name, async () => {
      const res = await api.post('/workflows', body);
      expectError(res, 400, 'VALIDATION_FAILED');
      const details = res.body.error.details as { pointer: string; code?: string }[];
      expect(details.length).toBeGreaterThan(0);
      if (pointer)
        expect(
          details.map((d) => d.pointer).some((p) => p.startsWith(pointer)),
          JSON.stringify(details),
        ).toBe(true);
      if (code)
        expect(
          details.map((d) => d.code),
          JSON.stringify(details),
        ).toContain(code);
    });
  }

  it('reports several errors at once', async () => {
    const res = await api.post(
      '/workflows',
      workflow([step('a', { next_step: 'x' }), step('a'), { id: 'c', agent_name: 'ghost' }]),
    );
    expectError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.details.length).toBeGreaterThanOrEqual(3);
  });

  it('validate endpoint answers valid or the errors without storing anything', async () => {
    const good = await api.post('/workflows/validate', workflow([step('a')]));
    expect(good.body).toEqual({ valid: true, errors: [] });
    const bad = await api.post('/workflows/validate', workflow([step('a', { next_step: 'zz' })]));
    expect(bad.body.valid).toBe(false);
    expect(bad.body.errors[0].pointer).toBe('/steps/0/next_step');
    expect((await api.get('/workflows/bad')).status).toBe(404);
  });
});

describe('bad requests', () => {
  it('malformed JSON is 400 INVALID_JSON', async () => {
    expectError(await api.raw('POST', '/workflows', '{"workflow_id": "x", '), 400, 'INVALID_JSON');
    expectError(await api.raw('POST', '/agents', 'not json at all'), 400, 'INVALID_JSON');
  });

  it('an oversize body is 413', async () => {
    const huge = JSON.stringify(workflow([step('a', { input_mapping: { blob: 'x'.repeat(100 * 1024) } })]));
    expectError(await api.raw('POST', '/workflows', huge), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('an unknown workflow is 404', async () => {
    expectError(await api.post('/workflows/ghost/runs', { input: {} }), 404, 'UNKNOWN_WORKFLOW');
    expectError(await api.get('/workflows/ghost'), 404, 'NOT_FOUND');
    expectError(await api.get('/runs/00000000-0000-4000-8000-000000000000'), 404, 'NOT_FOUND');
    expectError(await api.get('/runs/not-a-uuid'), 404, 'NOT_FOUND');
  });

  it('a run whose workflow names an agent deleted since is refused with UNKNOWN_AGENT, right after a start', async () => {
    expect((await api.post('/agents', { name: 'temp', url: agent.url })).status).toBe(201);
    expect(
      (
        await api.post('/workflows', {
          workflow_id: 'uses-temp',
          name: 'T',
          steps: [{ id: 'a', agent_name: 'temp' }],
        })
      ).status,
    ).toBe(201);
    // A start just before: what it read of the registry is kept for a moment, and the delete
    // below must still be seen by the next start.
    expect((await api.post('/workflows/uses-temp/runs', { input: {} })).status).toBe(202);
    expect((await api.delete('/agents/temp')).status).toBe(204);
    const res = await api.post('/workflows/uses-temp/runs', { input: {} });
    expectError(res, 400, 'UNKNOWN_AGENT');
    expect(res.body.error.message).toContain('temp');
  });

  it('an input failing input_schema is 400 with the pointer of each problem', async () => {
    const res = await api.post('/workflows/typed/runs', { input: { order: { name: 'no id' } } });
    expectError(res, 400, 'INPUT_SCHEMA_MISMATCH');
    expect(res.body.error.details[0]).toMatchObject({ pointer: '/order' });
    expectError(await api.post('/workflows/typed/runs', { input: 5 }), 400, 'INPUT_SCHEMA_MISMATCH');
  });

  it('a start-run body with unknown fields or wrong types is 400', async () => {
    expectError(await api.post('/workflows/typed/runs', { inptu: {} }), 400, 'VALIDATION_FAILED');
    expectError(
      await api.post('/workflows/typed/runs', { input: {}, version: 'one' }),
      400,
      'VALIDATION_FAILED',
    );
  });

  it('a step type whose execution comes later is stored but refused at run start naming the type', async () => {
    const created = await api.post('/workflows', {
      workflow_id: 'later',
      name: 'Later',
      steps: [{ id: 'wait', type: 'wait_for_event', event_type: 'approved' }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const res = await api.post('/workflows/later/runs', { input: {} });
    expectError(res, 400, 'NOT_SUPPORTED_YET');
    expect(res.body.error.message).toContain('wait_for_event');
  });

  it('a duplicate agent or workflow is 409; an invalid agent is 400', async () => {
    expectError(await api.post('/agents', { name: 'echo', url: agent.url }), 409, 'CONFLICT');
    expectError(await api.post('/agents', { name: 'bad agent!', url: 'ftp://x' }), 400, 'VALIDATION_FAILED');
    expectError(
      await api.post('/workflows', { workflow_id: 'typed', name: 'again', steps: [step('a')] }),
      409,
      'CONFLICT',
    );
  });

  it('bad list parameters are 400', async () => {
    expectError(await api.get('/runs?limit=5000'), 400, 'VALIDATION_FAILED');
    expectError(await api.get('/runs?cursor=%%%'), 400, 'VALIDATION_FAILED');
    expectError(await api.get('/runs?status=SLEEPING'), 400, 'VALIDATION_FAILED');
  });

  it('after all of that the engine still serves', async () => {
    expect((await api.get('/healthz')).status).toBe(200);
    const started = await api.post('/workflows/typed/runs', { input: { order: { id: 1 } } });
    expect(started.status).toBe(202);
    const openapi = await api.get('/openapi.json');
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(openapi.body.components.schemas.WorkflowDefinition).toBeDefined();
  });
});
