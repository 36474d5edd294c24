import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, effectiveRetry, isRetryable, retryDelayMs } from './retry-policy';

const noJitter = (c: object = {}) => effectiveRetry({ jitter: false, ...c });

describe('retry delays (F6)', () => {
  it('exponential backoff doubles from the initial delay up to the cap', () => {
    const p = noJitter({ initial_delay_ms: 1000, multiplier: 2, max_delay_ms: 5000 });
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(p, a, 0.5))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });
  it('fixed, linear and immediate', () => {
    expect(
      [1, 2, 3].map((a) => retryDelayMs(noJitter({ type: 'fixed_delay', initial_delay_ms: 300 }), a, 0)),
    ).toEqual([300, 300, 300]);
    expect(
      [1, 2, 3].map((a) => retryDelayMs(noJitter({ type: 'linear_backoff', initial_delay_ms: 300 }), a, 0)),
    ).toEqual([300, 600, 900]);
    expect(retryDelayMs(noJitter({ type: 'immediate' }), 4, 0.9)).toBe(0);
  });
  it('jitter stays within ±10 % and under the cap, and is a function of the random input', () => {
    const p = effectiveRetry({ initial_delay_ms: 1000 });
    expect(retryDelayMs(p, 1, 0)).toBe(900);
    expect(retryDelayMs(p, 1, 0.999999)).toBe(1100);
    expect(retryDelayMs(p, 1, 0.5)).toBe(1000);
    const capped = effectiveRetry({ initial_delay_ms: 1000, max_delay_ms: 1000 });
    expect(retryDelayMs(capped, 3, 0.99)).toBe(1000);
    for (let i = 0; i < 100; i++) {
      const d = retryDelayMs(p, 2, i / 100);
      expect(d).toBeGreaterThanOrEqual(1800);
      expect(d).toBeLessThanOrEqual(2200);
    }
  });
});

describe('what is retried', () => {
  it('the default retries timeouts, connection errors, 5xx and 429, not other 4xx or JSON-RPC errors', () => {
    const p = effectiveRetry();
    expect(
      ['timeout', 'connection', 'http_500', 'http_503', 'http_429'].map((kind) => isRetryable(p, { kind })),
    ).toEqual([true, true, true, true, true]);
    expect(
      ['http_400', 'http_404', 'jsonrpc_-32603', 'invalid_response', 'MAPPING_FAILED'].map((kind) =>
        isRetryable(p, { kind }),
      ),
    ).toEqual([false, false, false, false, false]);
  });
  it('retry_on_errors names kinds exactly or by class; retry_on_status_codes adds statuses', () => {
    const p = effectiveRetry({
      retry_on_errors: ['jsonrpc_-32000', 'http_4xx'],
      retry_on_status_codes: [502],
    });
    expect(isRetryable(p, { kind: 'jsonrpc_-32000' })).toBe(true);
    expect(isRetryable(p, { kind: 'jsonrpc_-32001' })).toBe(false);
    expect(isRetryable(p, { kind: 'http_409' })).toBe(true);
    expect(isRetryable(p, { kind: 'http_502' })).toBe(true);
    expect(isRetryable(p, { kind: 'http_503' })).toBe(false);
    expect(isRetryable(p, { kind: 'timeout' })).toBe(false);
    expect(isRetryable(effectiveRetry({ retry_on_errors: ['jsonrpc_*'] }), { kind: 'jsonrpc_-1' })).toBe(
      true,
    );
  });
  it('step config overrides agent config field by field over the default', () => {
    const p = effectiveRetry({ max_attempts: 5, initial_delay_ms: 10 }, { max_attempts: 2 });
    expect(p).toMatchObject({ max_attempts: 2, initial_delay_ms: 10, multiplier: DEFAULT_RETRY.multiplier });
  });
});
