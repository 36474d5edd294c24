import type { AgentBehaviour } from './agent-behaviour';

/**
 * Behaviours chosen by the method name, for the standalone agent (no code to script it):
 * `delay_<ms>` delays then echoes, `status_<code>` answers that HTTP status (200-599),
 * `error_<code>` answers a JSON-RPC error with that code (may be negative), `hang` never answers,
 * `invalid_response` answers 200 with a non-JSON-RPC body. Anything else: `undefined` (echo).
 */
export function behaviourForMethodName(method: string): AgentBehaviour | undefined {
  const delay = /^delay_(\d+)$/.exec(method)?.[1];
  if (delay !== undefined) return { kind: 'delay', ms: Number(delay) };
  const status = /^status_(\d{3})$/.exec(method)?.[1];
  if (status !== undefined && Number(status) >= 200 && Number(status) <= 599) {
    return { kind: 'status', status: Number(status) };
  }
  const code = /^error_(-?\d+)$/.exec(method)?.[1];
  if (code !== undefined) return { kind: 'jsonrpc_error', code: Number(code), message: `error ${code}` };
  if (method === 'hang') return { kind: 'hang' };
  if (method === 'invalid_response') return { kind: 'invalid_response' };
  return undefined;
}
