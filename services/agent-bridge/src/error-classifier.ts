import { z } from 'zod';
import { err, ok, type Result } from '@weft/contracts';
import type { AgentErrorInfo } from './jsonrpc-client';

/**
 * Pure classification of what happened to one agent call into the error kinds that retry policies
 * and circuit breakers match on (`timeout`, `connection`, `http_<status>`, `jsonrpc_<code>`,
 * `invalid_response`).
 */

/** Which of the call's own abort sources fired first, if any. */
export type AbortCause = 'timeout' | 'external';

export const EXCERPT_CHARS = 500;

/** A thrown fetch / body-read failure. Aborts are classified by their cause, not by the error text. */
export function classifyFailure(
  error: unknown,
  abortCause: AbortCause | undefined,
  timeoutMs: number,
): AgentErrorInfo {
  if (abortCause === 'timeout') return { kind: 'timeout', message: `no response within ${timeoutMs} ms` };
  if (abortCause === 'external') return aborted();
  return { kind: 'connection', message: describeNetworkError(error) };
}

/** The call was cancelled from outside (the bridge is shutting down). */
export function aborted(): AgentErrorInfo {
  return { kind: 'connection', message: 'aborted' };
}

export function classifyHttpStatus(status: number, statusText: string, body: string): AgentErrorInfo {
  const head = `HTTP ${status}${statusText === '' ? '' : ` ${statusText}`}`;
  const text = excerpt(body);
  return { kind: `http_${status}`, status, message: text === '' ? head : `${head}: ${text}` };
}

export function responseTooLarge(maxResponseBytes: number): AgentErrorInfo {
  return { kind: 'invalid_response', message: `response body exceeds ${maxResponseBytes} bytes` };
}

const jsonRpcErrorObject = z.object({
  code: z.number().int(),
  message: z.string(),
  data: z.unknown().optional(),
});

/**
 * A 2xx body: a JSON-RPC 2.0 response object whose id is `expectedId` carrying exactly one of
 * `result` (null included) or `error`. An error response may carry id null: JSON-RPC 2.0 §5 asks
 * for it when the server could not read the request's id.
 */
export function classifyJsonRpcBody(body: string, expectedId: string): Result<unknown, AgentErrorInfo> {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return err(invalid(`response body is not JSON: ${excerpt(body) || '(empty)'}`));
  }
  if (!isRecord(raw) || raw['jsonrpc'] !== '2.0') {
    return err(invalid(`response is not a JSON-RPC 2.0 response object: ${excerpt(body)}`));
  }
  const hasResult = Object.hasOwn(raw, 'result');
  const hasError = Object.hasOwn(raw, 'error');
  if (hasResult === hasError) {
    return err(
      invalid(`response must carry exactly one of result and error, got ${hasResult ? 'both' : 'neither'}`),
    );
  }
  const id = raw['id'];
  if (id !== expectedId && !(hasError && id === null)) {
    return err(
      invalid(
        `response id ${JSON.stringify(id) ?? 'undefined'} does not match request id ${JSON.stringify(expectedId)}`,
      ),
    );
  }
  if (hasResult) return ok(raw['result']);
  const error = jsonRpcErrorObject.safeParse(raw['error']);
  if (!error.success)
    return err(invalid(`malformed JSON-RPC error object: ${excerpt(JSON.stringify(raw['error']))}`));
  const { code, message, data } = error.data;
  return err({
    kind: `jsonrpc_${code}`,
    jsonrpc_code: code,
    message,
    ...(data === undefined ? {} : { data }),
  });
}

/** At most `max` characters of `text`, marked when cut. */
export function excerpt(text: string, max = EXCERPT_CHARS): string {
  const trimmed = text.trim();
  return trimmed.length <= max ? trimmed : `${trimmed.slice(0, max - 1)}…`;
}

function invalid(message: string): AgentErrorInfo {
  return { kind: 'invalid_response', message };
}

/** undici wraps socket failures as `TypeError('fetch failed', { cause })`; name the root cause. */
function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      const code = 'code' in current && typeof current.code === 'string' ? current.code : '';
      const message =
        current instanceof AggregateError ? current.errors.map(String).join('; ') : current.message;
      parts.push(code === '' || message.includes(code) ? message : `${message} (${code})`.trim());
      current = current.cause;
    } else {
      parts.push(String(current));
      break;
    }
  }
  return parts.filter((p) => p !== '').join(': ') || 'connection failed';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
