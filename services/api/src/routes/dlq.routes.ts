import {
  DLQ_ENTRY_STATUSES,
  DLQ_REPLAY_MODES,
  deleteDlqEntry,
  getDlqEntry,
  listDlqEntries,
  type DlqEntry,
} from '@weft/store';
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { replayDlqEntry, type ReplayOutcome } from '../dlq-replay';
import { notFound } from '../http-errors';
import { ListQuerySchema } from '../pagination';
import { parseWith, readJson } from '../request-body';

/** Entry ids are `<run uuid>.<seq>` (see StepDeadLettered); anything else names no entry. */
const ENTRY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[1-9]\d{0,9}$/i;
export const MAX_BULK_REPLAY = 1000;

const FilterShape = {
  status: z.enum(DLQ_ENTRY_STATUSES).optional(),
  agent_name: z.string().min(1).max(128).optional(),
  workflow_id: z.string().min(1).max(128).optional(),
};
const DlqListQuerySchema = ListQuerySchema.extend(FilterShape);
const Mode = z.enum(DLQ_REPLAY_MODES).default('run');

export const ReplayBodySchema = z.strictObject({ mode: Mode });
export const BulkReplayBodySchema = z
  .strictObject({
    ids: z.array(z.string().min(1).max(100)).min(1).max(MAX_BULK_REPLAY).optional(),
    filter: z.strictObject(FilterShape).optional(),
    /** How many entries a filter replays at most, newest first (default 100). */
    limit: z.number().int().min(1).max(MAX_BULK_REPLAY).optional(),
    mode: Mode,
  })
  .superRefine((b, ctx) => {
    if ((b.ids === undefined) === (b.filter === undefined))
      ctx.addIssue({ code: 'custom', path: [], message: 'give exactly one of "ids" and "filter"' });
    if (b.ids !== undefined && b.limit !== undefined)
      ctx.addIssue({ code: 'custom', path: ['limit'], message: '"limit" goes with "filter", not "ids"' });
  });

export function dlqEntryResource(row: DlqEntry) {
  return {
    id: row.entry_id,
    entry_id: row.entry_id,
    run_id: row.run_id,
    workflow_id: row.workflow_id,
    version: row.version,
    step_path: row.step_path,
    step_id: row.step_id,
    agent_name: row.agent_name,
    invocation_id: row.invocation_id,
    input: row.input,
    run_input: row.run_input,
    error: row.error,
    last_error: row.error,
    attempts: row.attempts,
    status: row.status,
    replay_mode: row.replay_mode,
    replay_run_id: row.replay_run_id,
    replayed_at: row.replayed_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function entryIdParam(id: string): string {
  if (!ENTRY_ID.test(id)) throw notFound(`dlq entry '${id}'`);
  return id.toLowerCase();
}

/** An optional JSON body: none means `{}` (Hono caches the text, so readJson reads it again). */
async function optionalJson(c: Context): Promise<unknown> {
  return (await c.req.text()).trim() === '' ? {} : readJson(c);
}

type BulkResult =
  | ReturnType<typeof replayResult>
  | { entry_id: string; outcome: 'error'; error: { code: string; message: string } };

function replayResult(r: ReplayOutcome) {
  return r.outcome === 'replayed'
    ? { entry_id: r.entry.entry_id, outcome: r.outcome, run_id: r.run_id, mode: r.entry.replay_mode }
    : { entry_id: r.entry.entry_id, outcome: r.outcome, run_id: r.run_id, reason: r.reason };
}

/** F7 dead-letter queue: list, get, replay (one or in bulk), delete. */
export function dlqRoutes(deps: ApiDeps): Hono {
  const app = new Hono();

  app.get('/dlq', async (c) => {
    const q = parseWith(DlqListQuerySchema, c.req.query(), 'query');
    const page = await listDlqEntries(deps.db, q);
    return c.json({ items: page.items.map(dlqEntryResource), next_cursor: page.next_cursor });
  });

  app.get('/dlq/:id', async (c) => {
    const row = await getDlqEntry(deps.db, entryIdParam(c.req.param('id')));
    if (!row) throw notFound(`dlq entry '${c.req.param('id')}'`);
    return c.json(dlqEntryResource(row));
  });

  app.post('/dlq/replay', async (c) => {
    const body = parseWith(BulkReplayBodySchema, await readJson(c), 'request body');
    const ids =
      body.ids ??
      (
        await listDlqEntries(deps.db, {
          ...body.filter,
          status: body.filter?.status ?? 'pending',
          limit: body.limit ?? 100,
        })
      ).items.map((e) => e.entry_id);
    // One at a time: each entry's replay is idempotent on its own, and a failure of one (its
    // workflow deleted, an agent unregistered) is reported for that entry without stopping the rest.
    const results: BulkResult[] = [];
    for (const id of [...new Set(ids)]) {
      if (!ENTRY_ID.test(id)) {
        results.push({
          entry_id: id,
          outcome: 'error',
          error: { code: 'NOT_FOUND', message: `dlq entry '${id}' not found` },
        });
        continue;
      }
      const replayed = await replayDlqEntry(deps, id.toLowerCase(), body.mode);
      if (replayed.ok) results.push(replayResult(replayed.value));
      else
        results.push({
          entry_id: id,
          outcome: 'error',
          error: { code: replayed.error.code, message: replayed.error.message },
        });
    }
    const count = (o: string) => results.filter((r) => r.outcome === o).length;
    return c.json({
      results,
      summary: { replayed: count('replayed'), skipped: count('skipped'), errors: count('error') },
    });
  });

  app.post('/dlq/:id/replay', async (c) => {
    const id = entryIdParam(c.req.param('id'));
    const body = parseWith(ReplayBodySchema, await optionalJson(c), 'request body');
    const replayed = await replayDlqEntry(deps, id, body.mode);
    if (!replayed.ok) throw replayed.error;
    const r = replayed.value;
    if (r.run_id !== null) c.header('Location', `/api/v1/runs/${r.run_id}`);
    return c.json(
      { ...replayResult(r), entry: dlqEntryResource(r.entry) },
      r.outcome === 'replayed' ? 202 : 200,
    );
  });

  app.delete('/dlq/:id', async (c) => {
    const id = entryIdParam(c.req.param('id'));
    if (!(await deleteDlqEntry(deps.db, id))) throw notFound(`dlq entry '${id}'`);
    return c.body(null, 204);
  });

  return app;
}
