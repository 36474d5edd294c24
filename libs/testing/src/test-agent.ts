import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { ECHO, type AgentBehaviour } from './agent-behaviour';
import { errorReply, runBehaviour, type AgentReply } from './behaviour-runner';
import { INVALID_REQUEST, parseJsonRpcRequest } from './jsonrpc-request';

/**
 * A real JSON-RPC 2.0 agent over HTTP with scripted behaviours per method, for end-to-end tests and
 * benchmarks. Every path is accepted; only POST is. Malformed requests get HTTP 400 with a JSON-RPC
 * error (-32700 / -32600); notifications (no `id`) are recorded and get 204 without running a behaviour.
 */
export interface RecordedCall {
  readonly method: string;
  readonly params: unknown;
  /** `undefined` for a notification. */
  readonly id: unknown;
  /** Lower-cased header names; repeated headers joined with ', '. */
  readonly headers: Record<string, string>;
  /** Arrival time, epoch ms. */
  readonly at: number;
}

export interface TestAgent {
  /** e.g. http://127.0.0.1:41234/rpc (any path is accepted). */
  readonly url: string;
  readonly port: number;
  /** Replaces the behaviour of `method` (and restarts its `fail_times` counters). Default: echo. */
  on(method: string, behaviour: AgentBehaviour): void;
  /** Recorded calls in arrival order, optionally for one method. */
  calls(method?: string): RecordedCall[];
  callCount(method?: string): number;
  /** Most simultaneous in-flight requests seen since start or the last reset. */
  peakConcurrency(method?: string): number;
  inFlight(method?: string): number;
  /** Clears recorded calls, peaks and behaviours. Requests still in flight keep being counted. */
  reset(): void;
  /** Idempotent; drops hanging and delayed requests. */
  close(): Promise<void>;
}

export interface TestAgentOptions {
  /** Default 0: a free port chosen by the OS. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Behaviour for methods without an `on()` registration; `undefined` means echo. */
  readonly fallback?: (method: string) => AgentBehaviour | undefined;
  /** Request bodies above this get 413. Default 16 MiB. */
  readonly maxRequestBytes?: number;
}

interface Registration {
  readonly behaviour: AgentBehaviour;
  readonly attempts: Map<AgentBehaviour, number>;
}

const ALL = '\u0000all';

export async function startTestAgent(options: TestAgentOptions = {}): Promise<TestAgent> {
  const host = options.host ?? '127.0.0.1';
  const maxRequestBytes = options.maxRequestBytes ?? 16 * 1024 * 1024;
  const closing = new AbortController();
  const registrations = new Map<string, Registration>();
  const recorded: RecordedCall[] = [];
  const active = new Map<number, string>();
  const peaks = new Map<string, number>();
  let nextRequest = 0;

  const registrationFor = (method: string): Registration => {
    let registration = registrations.get(method);
    if (registration === undefined) {
      registration = { behaviour: options.fallback?.(method) ?? ECHO, attempts: new Map() };
      registrations.set(method, registration);
    }
    return registration;
  };

  const countInFlight = (method?: string): number => {
    if (method === undefined) return active.size;
    let n = 0;
    for (const m of active.values()) if (m === method) n++;
    return n;
  };

  /** Marks a call in flight until `done()` (called before answering) or the connection closes. */
  const track = (method: string, res: ServerResponse): (() => void) => {
    const seq = nextRequest++;
    active.set(seq, method);
    peaks.set(method, Math.max(peaks.get(method) ?? 0, countInFlight(method)));
    peaks.set(ALL, Math.max(peaks.get(ALL) ?? 0, active.size));
    const done = (): void => void active.delete(seq);
    res.once('close', done);
    return done;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('allow', 'POST');
      send(res, errorReply(null, INVALID_REQUEST, 'Invalid Request: use POST', undefined, 405));
      return;
    }
    const body = await readBody(req, maxRequestBytes);
    if (body === undefined) {
      send(res, { kind: 'http', status: 413, contentType: 'text/plain', body: 'request body too large' });
      return;
    }
    const parsed = parseJsonRpcRequest(body);
    if (!parsed.ok) {
      send(res, errorReply(parsed.error.id, parsed.error.code, parsed.error.message, undefined, 400));
      return;
    }
    const { method, params, id } = parsed.value;
    recorded.push({ method, params, id, headers: flattenHeaders(req.headers), at: Date.now() });
    if (id === undefined) {
      res.writeHead(204).end();
      return;
    }
    const done = track(method, res);
    const { behaviour, attempts } = registrationFor(method);
    const reply = await runBehaviour(behaviour, { id, params, signal: closing.signal, attempts });
    if (reply.kind === 'hang') return;
    done();
    send(res, reply);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      send(res, {
        kind: 'http',
        status: 500,
        contentType: 'text/plain',
        body: `test agent failed: ${String(error)}`,
      });
    });
  });
  // Clients that keep connections alive must not hold `close()` up.
  server.keepAliveTimeout = 1_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('test agent is not listening on TCP');
  const { port } = address;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}/rpc`;

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    on(method, behaviour) {
      registrations.set(method, { behaviour, attempts: new Map() });
    },
    calls: (method) => recorded.filter((c) => method === undefined || c.method === method),
    callCount: (method) =>
      method === undefined ? recorded.length : recorded.filter((c) => c.method === method).length,
    peakConcurrency: (method) => peaks.get(method ?? ALL) ?? 0,
    inFlight: countInFlight,
    reset() {
      recorded.length = 0;
      peaks.clear();
      registrations.clear();
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

function send(res: ServerResponse, reply: AgentReply): void {
  if (reply.kind === 'hang' || res.headersSent || res.destroyed) return;
  res.writeHead(reply.status, { 'content-type': reply.contentType }).end(reply.body);
}

/** The body as UTF-8, or `undefined` when it exceeds `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.byteLength;
    if (size > limit) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
