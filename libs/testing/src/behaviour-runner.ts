import { setTimeout as sleep } from 'node:timers/promises';
import { ECHO, type AgentBehaviour } from './agent-behaviour';
import { INTERNAL_ERROR, type JsonRpcId } from './jsonrpc-request';

/** What the server should send back for one call. */
export type AgentReply =
  | { readonly kind: 'http'; readonly status: number; readonly contentType: string; readonly body: string }
  | { readonly kind: 'hang' };

export interface BehaviourContext {
  readonly id: JsonRpcId;
  readonly params: unknown;
  /** Aborted when the agent closes: pending delays stop and the call is left to be dropped. */
  readonly signal: AbortSignal;
  /** How many times each `fail_times` node of the current registration has been entered. */
  readonly attempts: Map<AgentBehaviour, number>;
}

const NOT_JSON_RPC = 'this is not a JSON-RPC response';

export async function runBehaviour(behaviour: AgentBehaviour, ctx: BehaviourContext): Promise<AgentReply> {
  switch (behaviour.kind) {
    case 'echo':
      return resultReply(ctx.id, ctx.params);
    case 'result':
      return resultReply(ctx.id, behaviour.value);
    case 'transform':
      try {
        return resultReply(ctx.id, await behaviour.fn(ctx.params));
      } catch (error) {
        return errorReply(ctx.id, INTERNAL_ERROR, `transform threw: ${String(error)}`);
      }
    case 'delay':
      try {
        await sleep(behaviour.ms, undefined, { signal: ctx.signal });
      } catch {
        return { kind: 'hang' }; // the agent is closing; its connections are being destroyed
      }
      return runBehaviour(behaviour.then ?? ECHO, ctx);
    case 'fail_times': {
      // Counted on entry, before any await, so concurrent calls each get their own attempt number.
      const attempt = ctx.attempts.get(behaviour) ?? 0;
      ctx.attempts.set(behaviour, attempt + 1);
      return runBehaviour(attempt < behaviour.times ? behaviour.failure : (behaviour.then ?? ECHO), ctx);
    }
    case 'status':
      return {
        kind: 'http',
        status: behaviour.status,
        contentType: 'text/plain; charset=utf-8',
        body: behaviour.body ?? `status ${behaviour.status}`,
      };
    case 'jsonrpc_error':
      return errorReply(ctx.id, behaviour.code, behaviour.message, behaviour.data);
    case 'hang':
      return { kind: 'hang' };
    case 'invalid_response':
      return {
        kind: 'http',
        status: 200,
        contentType: 'application/json',
        body: behaviour.body ?? NOT_JSON_RPC,
      };
  }
}

function resultReply(id: JsonRpcId, result: unknown): AgentReply {
  try {
    return jsonReply(
      200,
      JSON.stringify({ jsonrpc: '2.0', id, result: result === undefined ? null : result }),
    );
  } catch (error) {
    return errorReply(id, INTERNAL_ERROR, `result is not serialisable: ${String(error)}`);
  }
}

export function errorReply(
  id: JsonRpcId,
  code: number,
  message: string,
  data?: unknown,
  status = 200,
): AgentReply {
  const error = data === undefined ? { code, message } : { code, message, data };
  return jsonReply(status, JSON.stringify({ jsonrpc: '2.0', id, error }));
}

function jsonReply(status: number, body: string): AgentReply {
  return { kind: 'http', status, contentType: 'application/json', body };
}
