import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, startTestAgent, waitFor, type TestAgent } from '@weft/testing';
import { callAgent, type AgentCall } from './jsonrpc-client';

let agent: TestAgent;
const servers: Server[] = [];
beforeEach(async () => {
  agent = await startTestAgent();
});
afterEach(async () => {
  await agent.close();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

let seq = 0;
function callTo(method: string, overrides: Partial<AgentCall> = {}): AgentCall {
  return {
    url: agent.url,
    method,
    params: { n: 1 },
    invocationId: `run-1/step-a/${++seq}`,
    timeoutMs: 5_000,
    ...overrides,
  };
}

async function listen<T extends Server>(server: T): Promise<string> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}/rpc`;
}

describe('callAgent', () => {
  it('posts a JSON-RPC 2.0 request with the idempotency key and returns the result', async () => {
    agent.on('execute', { kind: 'transform', fn: (p: { n: number }) => ({ doubled: p.n * 2 }) });
    const call = callTo('execute', {
      params: { n: 21 },
      headers: { 'X-Api-Key': 'secret', 'Content-Type': 'text/plain', 'Idempotency-Key': 'forged' },
    });
    const outcome = await callAgent(call);
    expect(outcome).toEqual({ ok: true, result: { doubled: 42 }, durationMs: expect.any(Number) });
    const [received] = agent.calls('execute');
    expect(received).toMatchObject({ method: 'execute', params: { n: 21 }, id: call.invocationId });
    expect(received?.headers).toMatchObject({
      'idempotency-key': call.invocationId,
      'content-type': 'application/json',
      'x-api-key': 'secret',
    });
  });

  it('accepts result: null as a result', async () => {
    agent.on('nothing', { kind: 'result', value: null });
    expect(await callAgent(callTo('nothing'))).toMatchObject({ ok: true, result: null });
  });

  it('measures durationMs with the injected clock', async () => {
    const ticks = [1_000, 1_250];
    const outcome = await callAgent(callTo('execute'), { now: () => ticks.shift() ?? Number.NaN });
    expect(outcome.durationMs).toBe(250);
  });

  it('classifies a call that outlives its timeout as timeout', async () => {
    agent.on('stuck', { kind: 'hang' });
    const started = performance.now();
    const outcome = await callAgent(callTo('stuck', { timeoutMs: 100 }));
    expect(outcome).toMatchObject({
      ok: false,
      error: { kind: 'timeout', message: 'no response within 100 ms' },
    });
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
    expect(agent.callCount('stuck')).toBe(1);
  });

  it('times out a response whose body stalls after its head, and drops the connection', async () => {
    let closed = false;
    const url = await listen(
      createHttpServer((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"jsonrpc":"2.0",');
        req.socket.once('close', () => (closed = true));
      }),
    );
    const outcome = await callAgent(callTo('execute', { url, timeoutMs: 100 }));
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'timeout' } });
    await waitFor(() => closed, { message: 'the stalled connection was closed' });
  });

  it('sends to the URL path and query, with only its own headers when the agent has none', async () => {
    let seen: { url?: string; headers?: Record<string, unknown> } = {};
    const url = await listen(
      createHttpServer((req, res) => {
        seen = { url: req.url!, headers: req.headers };
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          const { id } = JSON.parse(body) as { id: string };
          res.end(JSON.stringify({ jsonrpc: '2.0', id, result: 1 }));
        });
      }),
    );
    const call = callTo('execute', { url: `${url}/deep?tenant=a%20b` });
    expect(await callAgent(call)).toMatchObject({ ok: true, result: 1 });
    expect(seen.url).toBe('/rpc/deep?tenant=a%20b');
    expect(seen.headers).toMatchObject({
      accept: 'application/json',
      'content-type': 'application/json',
      'idempotency-key': call.invocationId,
    });
    // The same URL again goes to the same place (its parse is kept).
    await callAgent(callTo('execute', { url: `${url}/deep?tenant=a%20b` }));
    expect(seen.url).toBe('/rpc/deep?tenant=a%20b');
  });

  it('classifies a refused connection as connection', async () => {
    const outcome = await callAgent(callTo('execute', { url: `http://127.0.0.1:${await freePort()}/rpc` }));
    expect(outcome).toMatchObject({
      ok: false,
      error: { kind: 'connection', message: expect.stringContaining('ECONNREFUSED') },
    });
  });

  it('classifies a connection reset by the agent as connection', async () => {
    const url = await listen(createTcpServer((socket) => socket.resetAndDestroy()));
    const outcome = await callAgent(callTo('execute', { url }));
    expect(outcome).toMatchObject({ ok: false, error: { kind: 'connection' } });
  });

  it('classifies an external abort as connection "aborted"', async () => {
    agent.on('stuck', { kind: 'hang' });
    const shutdown = new AbortController();
    const pending = callAgent(callTo('stuck'), { signal: shutdown.signal });
    await waitFor(() => agent.inFlight('stuck') === 1, { message: 'the call reached the agent' });
    shutdown.abort();
    expect(await pending).toMatchObject({ ok: false, error: { kind: 'connection', message: 'aborted' } });

    const before = agent.callCount();
    expect(await callAgent(callTo('execute'), { signal: AbortSignal.abort() })).toMatchObject({
      ok: false,
      error: { kind: 'connection', message: 'aborted' },
    });
    expect(agent.callCount()).toBe(before);
  });

  it('classifies non-2xx as http_<status> with a body excerpt of at most 500 chars', async () => {
    agent.on('overloaded', { kind: 'status', status: 503, body: 'x'.repeat(3_000) });
    agent.on('missing', { kind: 'status', status: 404, body: 'no such method' });
    const overloaded = await callAgent(callTo('overloaded'));
    expect(overloaded).toMatchObject({ ok: false, error: { kind: 'http_503', status: 503 } });
    const message = overloaded.ok ? '' : overloaded.error.message;
    expect(message.startsWith('HTTP 503 Service Unavailable: xxx')).toBe(true);
    expect(message.length - 'HTTP 503 Service Unavailable: '.length).toBeLessThanOrEqual(500);
    expect(await callAgent(callTo('missing'))).toMatchObject({
      ok: false,
      error: { kind: 'http_404', status: 404, message: 'HTTP 404 Not Found: no such method' },
    });
  });

  it('classifies a JSON-RPC error object as jsonrpc_<code> with message and data', async () => {
    agent.on('refuse', {
      kind: 'jsonrpc_error',
      code: -32001,
      message: 'quota exceeded',
      data: { retry_in: 5 },
    });
    agent.on('bare', { kind: 'jsonrpc_error', code: 42, message: 'plain' });
    expect(await callAgent(callTo('refuse'))).toEqual({
      ok: false,
      error: {
        kind: 'jsonrpc_-32001',
        jsonrpc_code: -32001,
        message: 'quota exceeded',
        data: { retry_in: 5 },
      },
      durationMs: expect.any(Number),
    });
    const bare = await callAgent(callTo('bare'));
    expect(bare.ok ? undefined : bare.error).toEqual({
      kind: 'jsonrpc_42',
      jsonrpc_code: 42,
      message: 'plain',
    });
  });

  it.each([
    ['a body that is not JSON', undefined, /not JSON/],
    ['JSON that is not JSON-RPC', '{"hello":"world"}', /not a JSON-RPC 2\.0 response/],
    ['a JSON-RPC 1.0 response', '{"jsonrpc":"1.0","id":"ID","result":1}', /not a JSON-RPC 2\.0 response/],
    ['a mismatched id', '{"jsonrpc":"2.0","id":"someone-else","result":1}', /does not match/],
    [
      'both result and error',
      '{"jsonrpc":"2.0","id":"ID","result":1,"error":{"code":1,"message":"m"}}',
      /both/,
    ],
    ['neither result nor error', '{"jsonrpc":"2.0","id":"ID"}', /neither/],
    [
      'a malformed error object',
      '{"jsonrpc":"2.0","id":"ID","error":{"code":"bad"}}',
      /malformed JSON-RPC error/,
    ],
  ])('classifies %s as invalid_response', async (_, body, message) => {
    const call = callTo('weird');
    agent.on('weird', { kind: 'invalid_response', body: body?.replace('ID', call.invocationId) });
    expect(await callAgent(call)).toMatchObject({ ok: false, error: { kind: 'invalid_response', message } });
  });

  it('classifies a body over maxResponseBytes as invalid_response, declared or streamed', async () => {
    agent.on('big', { kind: 'result', value: 'y'.repeat(4_096) });
    expect(await callAgent(callTo('big', { maxResponseBytes: 1_024 }))).toMatchObject({
      ok: false,
      error: { kind: 'invalid_response', message: 'response body exceeds 1024 bytes' },
    });
    expect(await callAgent(callTo('big', { maxResponseBytes: 8_192 }))).toMatchObject({ ok: true });

    // No content-length: the limit must hold while streaming.
    const url = await listen(
      createHttpServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'application/json' });
        for (let i = 0; i < 8; i++) res.write('z'.repeat(512));
        res.end();
      }),
    );
    expect(await callAgent(callTo('execute', { url, maxResponseBytes: 1_024 }))).toMatchObject({
      ok: false,
      error: { kind: 'invalid_response', message: 'response body exceeds 1024 bytes' },
    });
  });

  it('reports a call it cannot encode as invalid_request without calling the agent', async () => {
    expect(await callAgent(callTo('execute', { params: { n: 1n } }))).toMatchObject({
      ok: false,
      error: { kind: 'invalid_request' },
    });
    expect(await callAgent(callTo('execute', { headers: { 'bad header': 'x' } }))).toMatchObject({
      ok: false,
      error: { kind: 'invalid_request' },
    });
    expect(agent.callCount()).toBe(0);
  });
});
