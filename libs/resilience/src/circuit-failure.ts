/**
 * Which call outcomes count against an agent's circuit (SPEC F5). The breaker protects the system
 * from an agent that is down or overloaded, so only what says so counts as a failure:
 * - `timeout`, `connection`: no answer at all;
 * - `http_5xx`: the agent (or its proxy) failed;
 * - `http_429`: the agent says it is overloaded, which is what a breaker is for;
 * - `invalid_response`: something answered, but not a JSON-RPC agent (a broken deployment).
 *
 * Everything else is a success of the transport: other `http_4xx` (the request was refused: the
 * caller's problem, retrying elsewhere won't help), `jsonrpc_<code>` errors (the agent is up and
 * reported an application error), and kinds raised before any call (`unknown_agent`,
 * `invalid_request`, `circuit_open`, which are never recorded anyway).
 */
export function isCircuitFailure(kind: string): boolean {
  if (kind === 'timeout' || kind === 'connection' || kind === 'invalid_response') return true;
  if (kind === 'http_429') return true;
  return /^http_5\d\d$/.test(kind);
}
