/**
 * One error base for the whole engine (STYLE 9): a stable `code` from a closed list, whether the
 * operation may be retried, and an optional cause. Errors that belong in events are stored as data
 * (`ErrorInfo`), never as thrown objects.
 */
export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'INVALID_JSON',
  'PAYLOAD_TOO_LARGE',
  'NOT_FOUND',
  'CONFLICT',
  'ILLEGAL_STATE',
  'NOT_SUPPORTED_YET',
  'UNKNOWN_AGENT',
  'UNKNOWN_WORKFLOW',
  'INPUT_SCHEMA_MISMATCH',
  'REFERENCE_NOT_FOUND',
  'INVALID_EXPRESSION',
  'MAPPING_FAILED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem in an input, located by a JSON pointer (RFC 6901) into that input. */
export interface ErrorDetail {
  readonly pointer: string;
  readonly message: string;
  readonly code?: string;
}

export interface WeftErrorOptions {
  readonly details?: readonly ErrorDetail[];
  readonly retryable?: boolean;
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

export class WeftError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[];
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: WeftErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WeftError';
    this.code = code;
    this.details = options.details ?? [];
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isWeftError(e: unknown, code?: ErrorCode): e is WeftError {
  return e instanceof WeftError && (code === undefined || e.code === code);
}

/** Expected outcomes are values (STYLE 10). */
export type Result<T, E = WeftError> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const err = <E>(error: E): Result<never, E> => ({ ok: false, error });

/** Escape one JSON-pointer token (RFC 6901). */
export function pointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Build a JSON pointer from path segments: ['steps', 0, 'id'] -> '/steps/0/id'. */
export function toPointer(path: readonly (string | number | symbol)[]): string {
  return path.map((p) => '/' + pointerToken(typeof p === 'symbol' ? String(p.description) : p)).join('');
}
