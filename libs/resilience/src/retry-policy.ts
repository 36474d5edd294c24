import type { ErrorInfo } from '@weft/contracts';

/** SPEC F6. Fields as in `retry_config`; every one optional, defaults below. */
export interface RetryConfig {
  readonly type?: 'exponential_backoff' | 'fixed_delay' | 'linear_backoff' | 'immediate';
  readonly max_attempts?: number;
  readonly initial_delay_ms?: number;
  readonly max_delay_ms?: number;
  readonly multiplier?: number;
  readonly jitter?: boolean;
  readonly retry_on_errors?: readonly string[];
  readonly retry_on_status_codes?: readonly number[];
}

/**
 * The default when nothing is configured (SPEC F6): exponential backoff, 3 attempts, 1 s initial,
 * ×2, 30 s cap, jitter on, retrying timeouts, connection errors, 5xx and 429 — and `circuit_open`,
 * an attempt refused by an open circuit breaker, which the backoff gives time to recover.
 */
export const DEFAULT_RETRY: Required<RetryConfig> = Object.freeze({
  type: 'exponential_backoff',
  max_attempts: 3,
  initial_delay_ms: 1000,
  max_delay_ms: 30_000,
  multiplier: 2,
  jitter: true,
  retry_on_errors: Object.freeze([
    'timeout',
    'connection',
    'http_5xx',
    'http_429',
    'circuit_open',
  ]) as readonly string[],
  retry_on_status_codes: Object.freeze([]) as readonly number[],
});

/** A step's retry policy: the step's `retry_config` over the agent's over the default, field by field. */
export function effectiveRetry(
  ...configs: readonly (RetryConfig | undefined | null)[]
): Required<RetryConfig> {
  const merged: Record<string, unknown> = { ...DEFAULT_RETRY };
  for (const config of configs) {
    if (!config) continue;
    for (const [key, value] of Object.entries(config)) if (value !== undefined) merged[key] = value;
  }
  return merged as unknown as Required<RetryConfig>;
}

/**
 * Whether an error kind is retried: listed exactly (`timeout`, `jsonrpc_-32000`, `http_503`), by
 * class (`http_5xx`, `http_4xx`, `jsonrpc_*`), or by its HTTP status in `retry_on_status_codes`.
 */
export function isRetryable(policy: Required<RetryConfig>, error: Pick<ErrorInfo, 'kind'>): boolean {
  const kind = error.kind;
  const status = /^http_(\d{3})$/.exec(kind)?.[1];
  if (status !== undefined && policy.retry_on_status_codes.includes(Number(status))) return true;
  for (const pattern of policy.retry_on_errors) {
    if (pattern === kind) return true;
    if (status !== undefined && /^http_[1-5]xx$/.test(pattern) && pattern[5] === status[0]) return true;
    if (pattern === 'jsonrpc_*' && kind.startsWith('jsonrpc_')) return true;
  }
  return false;
}

/**
 * The delay before attempt `failedAttempt + 1`, in whole ms. `random` is a number in [0, 1) taken
 * from the decision's context (never from a clock or Math.random inside a decider); with jitter
 * the delay moves by up to ±10 %, and never above the cap.
 */
export function retryDelayMs(policy: Required<RetryConfig>, failedAttempt: number, random: number): number {
  const n = Math.max(1, failedAttempt);
  let base: number;
  switch (policy.type) {
    case 'immediate':
      return 0;
    case 'fixed_delay':
      base = policy.initial_delay_ms;
      break;
    case 'linear_backoff':
      base = policy.initial_delay_ms * n;
      break;
    case 'exponential_backoff':
      base = policy.initial_delay_ms * Math.pow(policy.multiplier, n - 1);
      break;
  }
  let delay = Math.min(base, policy.max_delay_ms);
  if (policy.jitter) delay = Math.min(policy.max_delay_ms, delay * (0.9 + 0.2 * random));
  return Math.max(0, Math.round(delay));
}
