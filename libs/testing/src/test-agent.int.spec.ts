import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestAgent, type TestAgent } from './test-agent';
import { waitFor } from './wait-for';

let agent: TestAgent;
beforeEach(async () => {
  agent = await startTestAgent();
});
afterEach(() => agent.close());

let ids = 0;
async function rpc(method: string, params?: unknown, headers: Record<string, string> = {}) {
  const id = `req-${++ids}`;
  const response = await fetch(agent.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, params }),
  });
  const text = await response.text();
  return { id, status: response.status, text, json: (): unknown => JSON.parse(text) };
}

async function post(body: string) {
  const response = await fetch(agent.url, { method: 'POST', body });
  const text = await response.text();
  return { status: response.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

describe('test agent', () => {
  it('listens on 127.0.0.1 and echoes params for unknown methods, recording the call', async () => {
    expect(agent.url).toBe(`http://127.0.0.1:${agent.port}/rpc`);
    const before = Date.now();
    const r = await rpc('anything', { a: [1, 2] }, { 'x-trace': 't1' });
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({ jsonrpc: '2.0', id: r.id, result: { a: [1, 2] } });
    const [call] = agent.calls('anything');
    expect(call).toMatchObject({ method: 'anything', params: { a: [1, 2] }, id: r.id });
    expect(call?.headers['x-trace']).toBe('t1');
    expect(call?.at).toBeGreaterThanOrEqual(before);
    expect((await rpc('no-params')).json()).toMatchObject({ result: null });
  });

  it('accepts any path', async () => {
    const response = await fetch(agent.url.replace('/rpc', '/some/other'), {
      method: 'POST',
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'm', params: [1] }),
    });
    expect(await response.json()).toEqual({ jsonrpc: '2.0', id: 7, result: [1] });
  });

  it('answers a fixed result, including null', async () => {
    agent.on('fixed', { kind: 'result', value: { ok: true } });
    agent.on('nothing', { kind: 'result', value: null });
    expect((await rpc('fixed', { ignored: 1 })).json()).toMatchObject({ result: { ok: true } });
    expect((await rpc('nothing')).json()).toEqual(expect.objectContaining({ result: null }));
  });

  it('computes a result with transform, and turns a throw into -32603', async () => {
    agent.on('double', { kind: 'transform', fn: (p: { n: number }) => ({ n: p.n * 2 }) });
    agent.on('broken', {
      kind: 'transform',
      fn: () => {
        throw new Error('boom');
      },
    });
    expect((await rpc('double', { n: 21 })).json()).toMatchObject({ result: { n: 42 } });
    const broken = await rpc('broken');
    expect(broken.json()).toMatchObject({
      error: { code: -32603, message: expect.stringContaining('boom') },
    });
  });

  it('delays, then echoes by default or follows `then`', async () => {
    agent.on('slow', { kind: 'delay', ms: 150 });
    agent.on('slow-fixed', { kind: 'delay', ms: 10, then: { kind: 'result', value: 'late' } });
    const started = performance.now();
    const slow = await rpc('slow', { x: 1 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(slow.json()).toMatchObject({ result: { x: 1 } });
    expect((await rpc('slow-fixed')).json()).toMatchObject({ result: 'late' });
  });

  it('fails the first N calls, then succeeds; re-registering restarts the count', async () => {
    const flaky = { kind: 'fail_times', times: 2, failure: { kind: 'status', status: 503 } } as const;
    agent.on('flaky', flaky);
    expect((await rpc('flaky', [1])).status).toBe(503);
    expect((await rpc('flaky', [2])).status).toBe(503);
    const third = await rpc('flaky', { n: 3 });
    expect(third.status).toBe(200);
    expect(third.json()).toMatchObject({ result: { n: 3 } });
    agent.on('flaky', flaky);
    expect((await rpc('flaky')).status).toBe(503);
  });

  it('answers an HTTP status with a body', async () => {
    agent.on('teapot', { kind: 'status', status: 418, body: 'short and stout' });
    agent.on('bare', { kind: 'status', status: 500 });
    expect(await rpc('teapot')).toMatchObject({ status: 418, text: 'short and stout' });
    expect(await rpc('bare')).toMatchObject({ status: 500, text: 'status 500' });
  });

  it('answers a JSON-RPC error object with data', async () => {
    agent.on('refuse', { kind: 'jsonrpc_error', code: -32001, message: 'nope', data: { why: 'quota' } });
    const r = await rpc('refuse');
    expect(r.status).toBe(200);
    expect(r.json()).toEqual({
      jsonrpc: '2.0',
      id: r.id,
      error: { code: -32001, message: 'nope', data: { why: 'quota' } },
    });
  });

  it('answers 200 with a body that is not JSON-RPC', async () => {
    agent.on('garbage', { kind: 'invalid_response' });
    agent.on('custom', { kind: 'invalid_response', body: '{"hello":"world"}' });
    const garbage = await rpc('garbage');
    expect(garbage.status).toBe(200);
    expect(() => garbage.json()).toThrow();
    expect((await rpc('custom')).text).toBe('{"hello":"world"}');
  });

  it('tracks peak concurrency over 5 concurrent delayed calls', async () => {
    agent.on('slow', { kind: 'delay', ms: 400 });
    const pending = Array.from({ length: 5 }, (_, i) => rpc('slow', { i }));
    await waitFor(() => agent.inFlight('slow') === 5, { message: 'five calls in flight' });
    expect(agent.inFlight()).toBe(5);
    const results = await Promise.all(pending);
    expect(results.map((r) => r.json())).toEqual(
      results.map((r, i) => ({ jsonrpc: '2.0', id: r.id, result: { i } })),
    );
    expect(agent.peakConcurrency('slow')).toBe(5);
    expect(agent.peakConcurrency()).toBe(5);
    expect(agent.inFlight('slow')).toBe(0);
    await rpc('fast');
    expect(agent.peakConcurrency('fast')).toBe(1);
    expect(agent.peakConcurrency('never-called')).toBe(0);
  });

  it('counts calls per method and overall, in arrival order', async () => {
    await rpc('a', [1]);
    await rpc('b', [2]);
    await rpc('a', [3]);
    expect(agent.callCount()).toBe(3);
    expect(agent.callCount('a')).toBe(2);
    expect(agent.callCount('zzz')).toBe(0);
    expect(agent.calls().map((c) => c.params)).toEqual([[1], [2], [3]]);
    expect(agent.calls('a').map((c) => c.params)).toEqual([[1], [3]]);
  });

  it('reset clears calls, peaks and behaviours', async () => {
    agent.on('m', { kind: 'result', value: 'scripted' });
    expect((await rpc('m', ['p'])).json()).toMatchObject({ result: 'scripted' });
    agent.reset();
    expect(agent.callCount()).toBe(0);
    expect(agent.calls()).toEqual([]);
    expect(agent.peakConcurrency()).toBe(0);
    expect((await rpc('m', ['p'])).json()).toMatchObject({ result: ['p'] });
    expect(agent.callCount('m')).toBe(1);
  });

  it('rejects malformed requests with JSON-RPC errors', async () => {
    expect(await post('{not json')).toEqual({
      status: 400,
      json: { jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.any(String) } },
    });
    expect(await post(JSON.stringify({ jsonrpc: '2.0', id: 3 }))).toMatchObject({
      status: 400,
      json: { id: 3, error: { code: -32600, message: expect.stringContaining('/method') } },
    });
    expect(await post(JSON.stringify({ jsonrpc: '1.0', id: 1, method: 'm' }))).toMatchObject({
      json: { error: { code: -32600 } },
    });
    expect(await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'm', params: 5 }))).toMatchObject({
      json: { error: { code: -32600 } },
    });
    expect(await post(JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'm' }]))).toMatchObject({
      json: { id: null, error: { code: -32600 } },
    });
    const get = await fetch(agent.url);
    expect(get.status).toBe(405);
    await get.body?.cancel();
    expect(agent.callCount()).toBe(0);
  });

  it('answers a notification with 204 and records it without an id', async () => {
    expect(await post(JSON.stringify({ jsonrpc: '2.0', method: 'note', params: { n: 1 } }))).toEqual({
      status: 204,
      json: undefined,
    });
    expect(agent.calls('note')).toEqual([
      expect.objectContaining({ method: 'note', id: undefined, params: { n: 1 } }),
    ]);
  });

  it('close ends a hanging call, is idempotent, and refuses later connections', async () => {
    agent.on('stuck', { kind: 'hang' });
    agent.on('sleepy', { kind: 'delay', ms: 60_000 });
    const stuck = rpc('stuck').then(
      () => 'answered',
      () => 'dropped',
    );
    const sleepy = rpc('sleepy').then(
      () => 'answered',
      () => 'dropped',
    );
    await waitFor(() => agent.inFlight() === 2, { message: 'both calls in flight' });
    await Promise.all([agent.close(), agent.close()]);
    expect(await stuck).toBe('dropped');
    expect(await sleepy).toBe('dropped');
    await agent.close();
    await expect(fetch(agent.url, { method: 'POST', body: '{}' })).rejects.toThrow();
  });
});
