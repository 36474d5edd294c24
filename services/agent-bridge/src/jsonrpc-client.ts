import {
  Agent as HttpAgent,
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { err, type Result } from '@weft/contracts';
import {
  aborted,
  classifyFailure,
  classifyHttpStatus,
  classifyJsonRpcBody,
  responseTooLarge,
  type AbortCause,
} from './error-classifier';

/** One outbound JSON-RPC 2.0 call to an agent over HTTP. */
export interface AgentCall {
  readonly url: string;
  readonly method: string;
  readonly params: unknown;
  /** Sent as the JSON-RPC `id` and as the `Idempotency-Key` header. */
  readonly invocationId: string;
  /** The agent's configured headers; they cannot override `content-type` or `idempotency-key`. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Deadline for the whole exchange, response body included. */
  readonly timeoutMs: number;
  /** Default 10 MiB. */
  readonly maxResponseBytes?: number;
}

export type AgentErrorKind =
  'timeout' | 'connection' | `http_${number}` | `jsonrpc_${number}` | 'invalid_response';

export interface AgentErrorInfo {
  /** An `AgentErrorKind`, or `invalid_request` when the call itself cannot be encoded. */
  readonly kind: AgentErrorKind | string;
  readonly message: string;
  readonly status?: number;
  readonly jsonrpc_code?: number;
  readonly data?: unknown;
}

export type AgentOutcome =
  | { readonly ok: true; readonly result: unknown; readonly durationMs: number }
  | { readonly ok: false; readonly error: AgentErrorInfo; readonly durationMs: number };

export interface CallAgentOptions {
  /** Aborting it (service shutdown) ends the call with kind `connection`, message `aborted`. */
  readonly signal?: AbortSignal;
  /** Monotonic clock in ms for `durationMs` (rounded to whole ms). Default `performance.now`. */
  readonly now?: () => number;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
const HTTP_ERROR_EXCERPT_BYTES = 2_048;

/** An idle kept-alive connection is closed after this long, before a server's own idle timeout (Node's default 5 s) can close it under a new call. */
const IDLE_CONNECTION_MS = 4_000;

/**
 * Calls go out on `node:http` with kept-alive connections rather than `fetch`, whose streams,
 * Request/Headers objects and signals cost the bridge several times the CPU of the call itself.
 */
const httpAgent = new HttpAgent({ keepAlive: true, timeout: IDLE_CONNECTION_MS });
const httpsAgent = new HttpsAgent({ keepAlive: true, timeout: IDLE_CONNECTION_MS });

/** Calls the agent once. Never throws: every failure is an `AgentOutcome` with a classified kind. */
export async function callAgent(call: AgentCall, options: CallAgentOptions = {}): Promise<AgentOutcome> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  let outcome: Result<unknown, AgentErrorInfo>;
  try {
    outcome = await exchange(call, options.signal);
  } catch (error) {
    outcome = err({ kind: 'connection', message: `unexpected failure: ${String(error)}` }); // defensive: never throw
  }
  const durationMs = Math.max(0, Math.round(now() - started));
  return outcome.ok
    ? { ok: true, result: outcome.value, durationMs }
    : { ok: false, error: outcome.error, durationMs };
}

async function exchange(
  call: AgentCall,
  external: AbortSignal | undefined,
): Promise<Result<unknown, AgentErrorInfo>> {
  if (external?.aborted) return err(aborted());
  const request = buildRequest(call);
  if (!request.ok) return request;

  // A timeout or an abort destroys the request (and so its response): no AbortController and
  // signal per call, whose listeners cost more than the rest of the call's bookkeeping.
  let req: ClientRequest | undefined;
  let abortCause: AbortCause | undefined;
  const abortWith = (cause: AbortCause): void => {
    if (abortCause !== undefined) return;
    abortCause = cause;
    req?.destroy(new Error(cause === 'timeout' ? 'timed out' : 'aborted'));
  };
  const timer = setTimeout(() => abortWith('timeout'), call.timeoutMs);
  const onExternalAbort = (): void => abortWith('external');
  external?.addEventListener('abort', onExternalAbort, { once: true });
  try {
    const sent = send(call.url, request.value);
    req = sent.req;
    const response = await sent.response;
    const status = response.statusCode ?? 0;
    if (status < 200 || status > 299) {
      return err(classifyHttpStatus(status, response.statusMessage ?? '', await readExcerpt(response)));
    }
    const maxBytes = call.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    const body = await readLimited(response, maxBytes);
    if (body === undefined) return err(responseTooLarge(maxBytes));
    return classifyJsonRpcBody(body, call.invocationId);
  } catch (error) {
    return err(classifyFailure(error, abortCause, call.timeoutMs));
  } finally {
    clearTimeout(timer);
    external?.removeEventListener('abort', onExternalAbort);
  }
}

interface EncodedRequest {
  readonly headers: Record<string, string>;
  readonly body: string;
}

interface Target {
  readonly secure: boolean;
  readonly options: RequestOptions;
}

/** Agent URLs, parsed once each (a handful of agents make every call). */
const targets = new Map<string, Target>();
const MAX_TARGETS = 1_000;

function targetOf(url: string): Target {
  const known = targets.get(url);
  if (known) return known;
  const parsed = new URL(url);
  const secure = parsed.protocol === 'https:';
  if (!secure && parsed.protocol !== 'http:') throw new Error(`unsupported protocol ${parsed.protocol}`);
  const target: Target = {
    secure,
    options: {
      protocol: parsed.protocol,
      hostname: parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname,
      ...(parsed.port === '' ? {} : { port: Number(parsed.port) }),
      path: `${parsed.pathname}${parsed.search}`,
      ...(parsed.username || parsed.password
        ? { auth: `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}` }
        : {}),
      method: 'POST',
      agent: secure ? httpsAgent : httpAgent,
    },
  };
  if (targets.size >= MAX_TARGETS) targets.clear();
  targets.set(url, target);
  return target;
}

/** POST the request; `response` resolves once its head has arrived. */
function send(
  url: string,
  request: EncodedRequest,
): { req: ClientRequest; response: Promise<IncomingMessage> } {
  const target = targetOf(url);
  const req = (target.secure ? httpsRequest : httpRequest)({
    ...target.options,
    headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
  });
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('error', reject);
    req.once('response', resolve);
  });
  req.end(request.body);
  return { req, response };
}

/** The headers of a call to an agent without configured headers, the usual case. */
const PLAIN_HEADERS: Readonly<Record<string, string>> = {
  accept: 'application/json',
  'content-type': 'application/json',
};

function buildRequest(call: AgentCall): Result<EncodedRequest, AgentErrorInfo> {
  try {
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: call.invocationId,
      method: call.method,
      params: call.params,
    });
    if (call.headers === undefined || Object.keys(call.headers).length === 0)
      return {
        ok: true,
        value: { headers: { ...PLAIN_HEADERS, 'idempotency-key': call.invocationId }, body },
      };
    // Configured headers: `Headers` checks their names and values and folds their case.
    const headers = new Headers(call.headers);
    if (!headers.has('accept')) headers.set('accept', 'application/json');
    headers.set('content-type', 'application/json');
    headers.set('idempotency-key', call.invocationId);
    return { ok: true, value: { headers: Object.fromEntries(headers), body } };
  } catch (error) {
    // Unserialisable params or an invalid configured header: retrying cannot help.
    return err({ kind: 'invalid_request', message: `cannot encode the request: ${String(error)}` });
  }
}

/** The body as UTF-8, or `undefined` as soon as it exceeds `maxBytes`. */
async function readLimited(response: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const declared = Number(response.headers['content-length'] ?? '');
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    return undefined;
  }
  const chunks = await readChunks(response, maxBytes);
  return chunks.truncated ? undefined : chunks.text;
}

/** Up to a few KiB of an error response's body, for the error message; failures give ''. */
async function readExcerpt(response: IncomingMessage): Promise<string> {
  try {
    return (await readChunks(response, HTTP_ERROR_EXCERPT_BYTES)).text;
  } catch {
    return '';
  }
}

/** Reads until the end or past `maxBytes` (then drops the connection). */
function readChunks(
  response: IncomingMessage,
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const text = () => Buffer.concat(chunks).toString('utf8');
    response.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      chunks.push(chunk);
      if (size > maxBytes) {
        response.destroy();
        resolve({ text: text(), truncated: true });
      }
    });
    response.once('end', () => resolve({ text: text(), truncated: false }));
    response.once('error', reject);
    response.once('close', () => {
      if (!response.complete) reject(new Error('the response ended before its body was complete'));
    });
  });
}
