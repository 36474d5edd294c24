import { WeftError, type ErrorCode, type ErrorDetail } from '@weft/contracts';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** One HTTP error envelope (STYLE 12): `{ error: { code, message, details } }`, status from the code. */
const STATUS: Readonly<Record<ErrorCode, ContentfulStatusCode>> = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  PAYLOAD_TOO_LARGE: 413,
  NOT_FOUND: 404,
  CONFLICT: 409,
  ILLEGAL_STATE: 409,
  NOT_SUPPORTED_YET: 400,
  UNKNOWN_AGENT: 400,
  UNKNOWN_WORKFLOW: 404,
  INPUT_SCHEMA_MISMATCH: 400,
  REFERENCE_NOT_FOUND: 400,
  INVALID_EXPRESSION: 400,
  MAPPING_FAILED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export function statusOf(code: ErrorCode): ContentfulStatusCode {
  return STATUS[code];
}

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details: readonly ErrorDetail[];
  };
}

export function errorBody(code: string, message: string, details: readonly ErrorDetail[] = []): ErrorBody {
  return { error: { code, message, details } };
}

export function errorResponse(c: Context, e: WeftError): Response {
  return c.json(errorBody(e.code, e.message, e.details), statusOf(e.code));
}

export const notFound = (what: string) => new WeftError('NOT_FOUND', `${what} not found`);
