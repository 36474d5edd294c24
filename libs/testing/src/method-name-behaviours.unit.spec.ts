import { describe, expect, it } from 'vitest';
import { behaviourForMethodName } from './method-name-behaviours';

describe('behaviourForMethodName', () => {
  it.each([
    ['delay_250', { kind: 'delay', ms: 250 }],
    ['status_503', { kind: 'status', status: 503 }],
    ['error_-32001', { kind: 'jsonrpc_error', code: -32001, message: 'error -32001' }],
    ['error_42', { kind: 'jsonrpc_error', code: 42, message: 'error 42' }],
    ['hang', { kind: 'hang' }],
    ['invalid_response', { kind: 'invalid_response' }],
  ])('%s', (method, behaviour) => {
    expect(behaviourForMethodName(method)).toEqual(behaviour);
  });

  it.each(['execute', 'delay_', 'delay_x', 'status_99', 'status_600', 'status_5000', 'error_', 'xdelay_10'])(
    '%s falls back to echo',
    (method) => {
      expect(behaviourForMethodName(method)).toBeUndefined();
    },
  );
});
