import { err, isWeftError, ok, WeftError, type Result, type StartRun, type Topics } from '@weft/contracts';
import { jsonHeaders, type OutgoingRecord } from '@weft/eventlog';
import { SUPPORTED_STEP_TYPES } from '@weft/reducer';
import { getAgentsByNames, type Agent, type Database } from '@weft/store';
import { checkRunnable, validateDefinition, type WorkflowDefinition } from '@weft/workflow';
import type { Kysely, Selectable } from 'kysely';
import { checkInput } from './input-schema';
import type { RegistryCache } from './registry-cache';
import { runIdFor } from './run-ids';
import { agentNames, findWorkflowVersion } from './routes/workflows.routes';

/** What a start request names: from `POST /workflows/{id}/runs` or a `wf.start-requests` record. */
export interface StartRunRequest {
  readonly workflow_id: string;
  readonly version?: number;
  /** Missing input is `{}`. */
  readonly input?: unknown;
  readonly idempotency_key?: string;
  readonly correlation_id?: string;
}

export interface StartRunDeps {
  readonly db: Kysely<Database>;
  readonly now: () => Date;
  /** A fresh run id, for requests without an idempotency key. */
  readonly newRunId: () => string;
  /** Keeps what starts read of the registry for a moment; without it every start reads it. */
  readonly registry?: RegistryCache;
}

/**
 * Check a start request against the registry and build its StartRun command: the workflow version
 * exists (the active one unless a version is named), its definition is valid and runnable today,
 * every agent it names is registered, and the input matches its `input_schema`. A request that
 * fails a check is an expected outcome (UNKNOWN_WORKFLOW, ILLEGAL_STATE, VALIDATION_FAILED,
 * NOT_SUPPORTED_YET, UNKNOWN_AGENT, INPUT_SCHEMA_MISMATCH); a database outage throws.
 */
export async function prepareStartRun(
  deps: StartRunDeps,
  request: StartRunRequest,
): Promise<Result<StartRun, WeftError>> {
  const workflowId = request.workflow_id;
  const load = () => loadRunnable(deps.db, workflowId, request.version);
  const runnable = deps.registry
    ? await deps.registry.get(`${workflowId}\u0000${request.version ?? 'active'}`, load)
    : await load();
  if (!runnable.ok) return runnable;
  const { row, def, registered } = runnable.value;
  const input = request.input ?? {};
  try {
    checkInput(`${workflowId}@${row.version}`, def.input_schema, input);
  } catch (e) {
    if (isWeftError(e, 'INPUT_SCHEMA_MISMATCH')) return err(e);
    throw e;
  }

  const runId = runIdFor(workflowId, request.idempotency_key, deps.newRunId);
  return ok({
    type: 'StartRun',
    run_id: runId,
    workflow_id: workflowId,
    version: row.version,
    definition: row.definition as Record<string, unknown>,
    input,
    // The run keeps the agents' retry policies as they are now, so its retries replay exactly.
    agents: Object.fromEntries(
      registered.map((a) => [
        a.name,
        {
          retry_config: (a.retry_config ?? null) as Record<string, unknown> | null,
          timeout_seconds: a.timeout_seconds,
        },
      ]),
    ),
    ...(request.idempotency_key !== undefined ? { idempotency_key: request.idempotency_key } : {}),
    ...(request.correlation_id !== undefined ? { correlation_id: request.correlation_id } : {}),
    requested_at: deps.now().toISOString(),
  });
}

/** The workflow version a start request names, checked, with the agents it names: what a start reads. */
async function loadRunnable(
  db: Kysely<Database>,
  workflowId: string,
  version: number | undefined,
): Promise<
  Result<
    { row: Selectable<Database['workflow_definitions']>; def: WorkflowDefinition; registered: Agent[] },
    WeftError
  >
> {
  const row = await findWorkflowVersion(db, workflowId, version);
  if (!row) {
    const named = version === undefined ? '' : ` version ${version}`;
    return err(new WeftError('UNKNOWN_WORKFLOW', `workflow '${workflowId}'${named} not found`));
  }
  if (version === undefined && row.status !== 'active') {
    return err(
      new WeftError(
        'ILLEGAL_STATE',
        `workflow '${workflowId}' has no active version; name a version to run a ${row.status} one`,
      ),
    );
  }
  const valid = validateDefinition(row.definition);
  if (!valid.ok) return valid;
  const def = valid.value;
  const unsupported = checkRunnable(def, SUPPORTED_STEP_TYPES);
  if (unsupported) return err(unsupported);
  const names = agentNames(def);
  const registered = await getAgentsByNames(db, names);
  const known = new Set(registered.map((a) => a.name));
  const missing = names.filter((n) => !known.has(n));
  if (missing.length > 0) {
    return err(
      new WeftError('UNKNOWN_AGENT', `workflow names unregistered agent(s): ${missing.join(', ')}`, {
        details: missing.map((n) => ({
          pointer: '',
          message: `agent '${n}' is not registered`,
          code: 'unknown_agent',
        })),
      }),
    );
  }
  return ok({ row, def, registered });
}

/** The record that hands a StartRun command to the step scheduler (`wf.commands`, key run_id). */
export function startRunRecord(command: StartRun, topics: Topics): OutgoingRecord {
  return {
    topic: topics.commands,
    key: command.run_id,
    value: JSON.stringify(command),
    headers: jsonHeaders(command.run_id),
  };
}
