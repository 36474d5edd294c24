import { describe, expect, it } from 'vitest';
import { validateAgentSpec } from './agent-spec.validate';

describe('validateAgentSpec', () => {
  it('applies the defaults of method and timeout_seconds', () => {
    expect(validateAgentSpec({ name: 'validator', url: 'http://localhost:9000/rpc' })).toEqual({
      ok: true,
      value: { name: 'validator', url: 'http://localhost:9000/rpc', method: 'execute', timeout_seconds: 30 },
    });
  });

  it('accepts every field', () => {
    const spec = {
      name: 'scorer.v2',
      url: 'https://agents.example.com/score',
      method: 'score',
      timeout_seconds: 3600,
      retry_config: { type: 'fixed_delay', max_attempts: 2, initial_delay_ms: 10, max_delay_ms: 10 },
      circuit_breaker_config: {
        failure_threshold: 5,
        failure_rate_threshold: 0.5,
        window_size: 20,
        minimum_calls: 10,
        recovery_timeout_seconds: 30,
        half_open_max_calls: 2,
      },
      headers: { authorization: 'Bearer x' },
      description: 'scores things',
    };
    expect(validateAgentSpec(spec)).toEqual({ ok: true, value: spec });
  });

  it('reports every problem with its pointer', () => {
    const result = validateAgentSpec({
      name: '_bad',
      url: 'ftp://host/x',
      timeout_seconds: 0,
      circuit_breaker_config: { failure_rate_threshold: 2, window: 3 },
      headers: { 'x-n': 1 },
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('VALIDATION_FAILED');
    expect(result.error.details.map((d) => d.pointer).sort()).toEqual([
      '/circuit_breaker_config/failure_rate_threshold',
      '/circuit_breaker_config/window',
      '/headers/x-n',
      '/name',
      '/timeout_seconds',
      '/url',
    ]);
    expect(result.error.details.find((d) => d.pointer === '/url')?.message).toBe(
      'must be an http or https URL',
    );
  });

  it('refuses an initial retry delay above the cap, and what is not an object', () => {
    const result = validateAgentSpec({
      name: 'a',
      url: 'http://h',
      retry_config: { initial_delay_ms: 2, max_delay_ms: 1 },
    });
    expect(result.ok ? [] : result.error.details.map((d) => d.pointer)).toEqual([
      '/retry_config/initial_delay_ms',
    ]);
    const notObject = validateAgentSpec('agent');
    expect(notObject.ok ? [] : notObject.error.details).toEqual([
      { pointer: '', code: 'schema', message: 'an agent registration must be a JSON object' },
    ]);
  });
});
