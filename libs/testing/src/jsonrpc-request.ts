import { z } from 'zod';
import { err, ok, toPointer, type Result } from '@weft/contracts';

/** Parsing of one incoming JSON-RPC 2.0 request body, as the test agent sees it. */

export type JsonRpcId = string | number | null;

export interface JsonRpcRequest {
  readonly method: string;
  readonly params: unknown;
  /** `undefined` when the member is absent: the request is a notification. */
  readonly id: JsonRpcId | undefined;
}

export interface JsonRpcRequestError {
  readonly code: typeof PARSE_ERROR | typeof INVALID_REQUEST;
  readonly message: string;
  /** The request's id when it could be read, else null (JSON-RPC 2.0 §5). */
  readonly id: JsonRpcId;
}

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const INTERNAL_ERROR = -32603;

const jsonRpcId = z.union([z.string(), z.number(), z.null()]);

const jsonRpcRequest = z.object({
  jsonrpc: z.literal('2.0'),
  method: z.string(),
  id: jsonRpcId.optional(),
  params: z.union([z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
});

export function parseJsonRpcRequest(body: string): Result<JsonRpcRequest, JsonRpcRequestError> {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return err({ code: PARSE_ERROR, message: 'Parse error: body is not valid JSON', id: null });
  }
  if (Array.isArray(raw)) {
    return err({ code: INVALID_REQUEST, message: 'Invalid Request: batches are not supported', id: null });
  }
  const parsed = jsonRpcRequest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? '' : ` at ${toPointer(issue.path) || '/'}: ${issue.message}`;
    return err({ code: INVALID_REQUEST, message: `Invalid Request${where}`, id: readableId(raw) });
  }
  const { method, params, id } = parsed.data;
  return ok({ method, params, id: isRecord(raw) && Object.hasOwn(raw, 'id') ? id : undefined });
}

function readableId(raw: unknown): JsonRpcId {
  if (!isRecord(raw)) return null;
  const id = jsonRpcId.safeParse(raw['id']);
  return id.success ? id.data : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
