import { describe, expect, it } from 'vitest';
import { classifyFailure, classifyHttpStatus, classifyJsonRpcBody, excerpt } from './error-classifier';

describe('classifyJsonRpcBody', () => {
  it('returns the result, null included', () => {
    expect(classifyJsonRpcBody('{"jsonrpc":"2.0","id":"i","result":{"a":1}}', 'i')).toEqual({
      ok: true,
      value: { a: 1 },
    });
    expect(classifyJsonRpcBody('{"jsonrpc":"2.0","id":"i","result":null}', 'i')).toEqual({
      ok: true,
      value: null,
    });
  });

  it('compares ids strictly', () => {
    const outcome = classifyJsonRpcBody('{"jsonrpc":"2.0","id":1,"result":1}', '1');
    expect(outcome).toMatchObject({
      ok: false,
      error: { kind: 'invalid_response', message: expect.stringContaining('does not match') },
    });
    expect(classifyJsonRpcBody('{"jsonrpc":"2.0","id":null,"result":1}', 'i')).toMatchObject({ ok: false });
  });

  it('accepts an error response with id null (the server could not read the id)', () => {
    expect(
      classifyJsonRpcBody('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}', 'i'),
    ).toEqual({
      ok: false,
      error: { kind: 'jsonrpc_-32700', jsonrpc_code: -32700, message: 'Parse error' },
    });
  });

  it('rejects non-object JSON and non-integer error codes', () => {
    for (const body of [
      '[]',
      '"text"',
      'null',
      '',
      '{"jsonrpc":"2.0","id":"i","error":{"code":1.5,"message":"m"}}',
    ]) {
      expect(classifyJsonRpcBody(body, 'i')).toMatchObject({
        ok: false,
        error: { kind: 'invalid_response' },
      });
    }
  });
});

describe('classifyHttpStatus', () => {
  it('names the status and cuts the body excerpt to 500 chars', () => {
    const info = classifyHttpStatus(429, 'Too Many Requests', `  ${'b'.repeat(900)} `);
    expect(info).toMatchObject({ kind: 'http_429', status: 429 });
    expect(info.message).toBe(`HTTP 429 Too Many Requests: ${'b'.repeat(499)}…`);
    expect(classifyHttpStatus(500, '', '')).toEqual({ kind: 'http_500', status: 500, message: 'HTTP 500' });
  });

  it('excerpt leaves short text alone', () => {
    expect(excerpt('short')).toBe('short');
    expect(excerpt('abcdef', 4)).toBe('abc…');
  });
});

describe('classifyFailure', () => {
  it('uses the abort cause before the error', () => {
    expect(classifyFailure(new Error('whatever'), 'timeout', 250)).toEqual({
      kind: 'timeout',
      message: 'no response within 250 ms',
    });
    expect(classifyFailure(new Error('whatever'), 'external', 250)).toEqual({
      kind: 'connection',
      message: 'aborted',
    });
  });

  it('names the root cause of a network failure', () => {
    const socket = Object.assign(new Error('getaddrinfo ENOTFOUND agent.invalid'), { code: 'ENOTFOUND' });
    const info = classifyFailure(new TypeError('fetch failed', { cause: socket }), undefined, 1_000);
    expect(info).toEqual({
      kind: 'connection',
      message: 'fetch failed: getaddrinfo ENOTFOUND agent.invalid',
    });
    const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
    expect(classifyFailure(new TypeError('terminated', { cause: reset }), undefined, 1_000).message).toBe(
      'terminated: other side closed (UND_ERR_SOCKET)',
    );
  });
});
