import { isUuid } from '@weft/contracts';
import {
  ENDED_RUN_STATUSES,
  getRun,
  listRunEvents,
  listRuns,
  listStepExecutions,
  type Database,
} from '@weft/store';
import { Hono } from 'hono';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { notFound } from '../http-errors';
import { ListQuerySchema } from '../pagination';
import { parseWith, readBody } from '../request-body';
import { prepareStartRun, startRunRecord } from '../start-run';

export const StartRunBodySchema = z.strictObject({
  input: z.unknown().optional(),
  version: z.number().int().positive().optional(),
  idempotency_key: z.string().min(1).max(256).optional(),
  correlation_id: z.string().min(1).max(256).optional(),
});

const RunListQuerySchema = ListQuerySchema.extend({
  workflow_id: z.string().max(128).optional(),
  status: z
    .enum(['PENDING', 'RUNNING', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'])
    .optional(),
});
const RunGetQuerySchema = z.object({
  wait_ms: z.coerce.number().int().min(0).max(60_000).default(0),
});
const EventsQuerySchema = z.object({
  after_seq: z.coerce.number().int().min(0).optional(),
  cursor: z.string().max(2000).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
});

export function runResource(row: Selectable<Database['workflow_runs']>) {
  return {
    run_id: row.run_id,
    workflow_id: row.workflow_id,
    version: row.version,
    status: row.status,
    input: row.input,
    output: row.output,
    error: row.error,
    current_step: row.current_step,
    parent_run_id: row.parent_run_id,
    root_run_id: row.root_run_id,
    nesting_level: row.nesting_level,
    triggered_by_run_id: row.triggered_by_run_id,
    chain_sequence: row.chain_sequence,
    idempotency_key: row.idempotency_key,
    correlation_id: row.correlation_id,
    created_at: row.created_at,
    started_at: row.started_at,
    completed_at: row.completed_at,
    paused_at: row.paused_at,
    updated_at: row.updated_at,
  };
}

export function stepResource(row: Selectable<Database['step_executions']>) {
  return {
    step_path: row.step_path,
    step_id: row.step_id,
    type: row.type,
    status: row.status,
    attempt: row.attempt,
    input: row.input,
    output: row.output,
    error: row.error,
    started_at: row.started_at,
    completed_at: row.completed_at,
    parent_path: row.parent_path,
    condition_expression: row.condition_expression,
    condition_result: row.condition_result,
    branch_taken: row.branch_taken,
    loop_collection_size: row.loop_collection_size,
    loop_iteration_index: row.loop_iteration_index,
    loop_execution_mode: row.loop_execution_mode,
    branch_name: row.branch_name,
    join_policy: row.join_policy,
  };
}

export function eventResource(row: Selectable<Database['run_events']>) {
  return {
    seq: row.seq,
    type: row.type,
    step_path: row.step_path,
    data: row.data,
    recorded_at: row.recorded_at,
  };
}

function runIdParam(id: string): string {
  if (!isUuid(id)) throw notFound(`run '${id}'`);
  return id.toLowerCase();
}

export function runsRoutes(deps: ApiDeps): Hono {
  const app = new Hono();

  app.post('/workflows/:id/runs', async (c) => {
    const body = await readBody(c, StartRunBodySchema);
    const prepared = await prepareStartRun(deps, { ...body, workflow_id: c.req.param('id') });
    if (!prepared.ok) throw prepared.error;
    const command = prepared.value;
    // A fresh id is a new run (a repeated idempotency key may name one that has ended). Told before
    // the append, so the watch cannot see the run end before it knows it started.
    if (body.idempotency_key === undefined) deps.runWatch?.starting?.(command.run_id);
    await deps.log.produce([startRunRecord(command, deps.topics)]);
    c.header('Location', `/api/v1/runs/${command.run_id}`);
    return c.json(
      { run_id: command.run_id, workflow_id: command.workflow_id, version: command.version },
      202,
    );
  });

  app.get('/runs', async (c) => {
    const q = parseWith(RunListQuerySchema, c.req.query(), 'query');
    const page = await listRuns(deps.db, q);
    return c.json({ items: page.items.map(runResource), next_cursor: page.next_cursor });
  });

  app.get('/runs/:id', async (c) => {
    const runId = runIdParam(c.req.param('id'));
    const { wait_ms: waitMs } = parseWith(RunGetQuerySchema, c.req.query(), 'query');
    const watch = deps.runWatch;
    // Long poll: with `wait_ms`, answer once the run has ended (or is still not there) when the
    // time is up, so a client waiting for the end makes one request instead of many. A run this
    // process has just started and not seen end is not read first (it has not ended), and a watch
    // that hands over the ended run's row saves the read after the wait.
    let row = waitMs > 0 && watch?.isStarting?.(runId) ? undefined : await getRun(deps.db, runId);
    const deadline = Date.now() + waitMs;
    while (watch && !(row && ENDED_RUN_STATUSES.has(row.status)) && Date.now() < deadline) {
      const woke = await watch.changed(runId, row ? Number(row.last_seq) : 0, deadline - Date.now());
      row = woke.row ?? (await getRun(deps.db, runId));
    }
    if (!row) throw notFound(`run '${c.req.param('id')}'`);
    return c.json(runResource(row));
  });

  app.get('/runs/:id/steps', async (c) => {
    const runId = runIdParam(c.req.param('id'));
    if (!(await getRun(deps.db, runId))) throw notFound(`run '${runId}'`);
    const page = await listStepExecutions(deps.db, runId);
    return c.json({ items: page.items.map(stepResource), next_cursor: page.next_cursor });
  });

  app.get('/runs/:id/events', async (c) => {
    const runId = runIdParam(c.req.param('id'));
    const q = parseWith(EventsQuerySchema, c.req.query(), 'query');
    if (!(await getRun(deps.db, runId))) throw notFound(`run '${runId}'`);
    const page = await listRunEvents(deps.db, runId, {
      afterSeq: q.after_seq,
      cursor: q.cursor ?? null,
      limit: q.limit,
    });
    return c.json({ items: page.items.map(eventResource), next_cursor: page.next_cursor });
  });

  return app;
}
