import { WeftError, isWeftError } from '@weft/contracts';

/** Server replies that say "not now" rather than "never": loading, busy script, failover. */
const TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS)\b/;

export function isReplyError(error: unknown): error is Error {
  return error instanceof Error && error.name === 'ReplyError';
}

/**
 * Maps whatever ioredis rejected with to a WeftError. A reply error is the server refusing the
 * command (wrong type, a failing script): `INTERNAL`. Everything else (refused or dropped
 * connection, offline with the queue disabled, retries exhausted, command timeout) means Redis
 * is not reachable right now: `UNAVAILABLE`, retryable.
 */
export function toKvError(error: unknown, operation: string): WeftError {
  if (isWeftError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (isReplyError(error) && !TRANSIENT_REPLY.test(message)) {
    return new WeftError('INTERNAL', `redis ${operation} failed: ${message}`, { cause: error });
  }
  return new WeftError('UNAVAILABLE', `redis ${operation} failed: ${message}`, {
    retryable: true,
    cause: error,
  });
}
