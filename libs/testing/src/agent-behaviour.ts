/**
 * What the test agent does when a JSON-RPC method is called. Behaviours nest (`delay`, `fail_times`),
 * so a scenario such as "fail twice with 503, then answer slowly" is one value.
 */
export type AgentBehaviour =
  /** Result = the request's params (`null` when there are none). */
  | { readonly kind: 'echo' }
  /** A fixed result (`undefined` is sent as `null`). */
  | { readonly kind: 'result'; readonly value: unknown }
  /** Result computed from params; a throw (or rejection) becomes JSON-RPC error -32603. */
  | { readonly kind: 'transform'; readonly fn: (params: any) => unknown }
  /** Wait, then behave as `then` (default echo). */
  | { readonly kind: 'delay'; readonly ms: number; readonly then?: AgentBehaviour }
  /** The first `times` calls behave as `failure`, later calls as `then` (default echo). */
  | {
      readonly kind: 'fail_times';
      readonly times: number;
      readonly failure: AgentBehaviour;
      readonly then?: AgentBehaviour;
    }
  /** A bare HTTP status with a text body (default `status <code>`). */
  | { readonly kind: 'status'; readonly status: number; readonly body?: string }
  /** HTTP 200 carrying a JSON-RPC error object. */
  | {
      readonly kind: 'jsonrpc_error';
      readonly code: number;
      readonly message: string;
      readonly data?: unknown;
    }
  /** Never answers; the connection is dropped when the agent closes. */
  | { readonly kind: 'hang' }
  /** HTTP 200 with `body` (default: a text that is not JSON), for malformed-response tests. */
  | { readonly kind: 'invalid_response'; readonly body?: string };

export const ECHO: AgentBehaviour = { kind: 'echo' };
