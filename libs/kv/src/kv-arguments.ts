import { WeftError } from '@weft/contracts';

/**
 * Argument checks shared by both adapters, so a bad TTL or increment fails the same way
 * everywhere (Redis would refuse some of them with a less helpful message, memory would not).
 */
export function checkTtlMs(ttlMs: number | undefined, operation: string): void {
  if (ttlMs === undefined) return;
  if (!Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new WeftError(
      'VALIDATION_FAILED',
      `kv ${operation}: ttlMs must be a positive integer, got ${ttlMs}`,
    );
  }
}

export function checkIncrement(by: number): void {
  if (!Number.isSafeInteger(by)) {
    throw new WeftError('VALIDATION_FAILED', `kv increment: by must be an integer, got ${by}`);
  }
}

export function closedError(adapter: string): WeftError {
  return new WeftError('ILLEGAL_STATE', `the ${adapter} key-value store is closed`);
}
