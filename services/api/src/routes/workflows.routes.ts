import { WeftError } from '@weft/contracts';
import {
  getActiveWorkflowVersion,
  getAgentsByNames,
  getLatestWorkflowVersion,
  getWorkflowVersion,
  insertWorkflowVersion,
  listWorkflows,
  type Database,
} from '@weft/store';
import { validateDefinition, walkSteps, type WorkflowDefinition } from '@weft/workflow';
import { Hono } from 'hono';
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { notFound } from '../http-errors';
import { listQuery } from '../pagination';
import { parseWith, readJson } from '../request-body';

type WorkflowRow = Selectable<Database['workflow_definitions']>;

/** Fields of a workflow resource that are not part of the definition itself. */
const META_FIELDS = ['version', 'status', 'change_summary', 'previous_version', 'created_at'] as const;

export function workflowResource(row: WorkflowRow) {
  return {
    ...(row.definition as Record<string, unknown>),
    version: row.version,
    status: row.status,
    change_summary: row.change_summary,
    previous_version: row.previous_version,
    created_at: row.created_at,
  };
}

/** The agents a definition names. */
export function agentNames(def: WorkflowDefinition): string[] {
  const names = new Set<string>();
  walkSteps(def, (step) => {
    if ('agent_name' in step && typeof step.agent_name === 'string') names.add(step.agent_name);
  });
  return [...names];
}

/** Every `agent_name` string anywhere in a (not yet validated) document: the registry names to look up. */
function agentNamesIn(raw: unknown, found = new Set<string>(), depth = 0): Set<string> {
  if (depth > 64 || typeof raw !== 'object' || raw === null) return found;
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'agent_name' && typeof value === 'string') found.add(value);
    else agentNamesIn(value, found, depth + 1);
  }
  return found;
}

/** Validate a definition against the format and the agent registry in one pass: every error, with its pointer. */
export async function validateAgainstRegistry(
  db: Kysely<Database>,
  raw: unknown,
): Promise<WorkflowDefinition> {
  const names = [...agentNamesIn(raw)].slice(0, 10_000);
  const known = new Set((await getAgentsByNames(db, names)).map((a) => a.name));
  const result = validateDefinition(raw, { knownAgents: known });
  if (!result.ok) throw result.error;
  return result.value;
}

const CreateMetaSchema = z.object({
  status: z.enum(['draft', 'active']).optional(),
  change_summary: z.string().max(10_000).optional(),
});

function splitMeta(raw: unknown): { definition: unknown; meta: z.infer<typeof CreateMetaSchema> } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { definition: raw, meta: {} };
  const body = { ...(raw as Record<string, unknown>) };
  const meta = parseWith(
    CreateMetaSchema,
    { status: body.status, change_summary: body.change_summary },
    'request body',
  );
  for (const f of META_FIELDS) delete body[f];
  return { definition: body, meta };
}

const VersionQuerySchema = z.object({ version: z.coerce.number().int().positive().optional() });

export async function findWorkflowVersion(
  db: Kysely<Database>,
  workflowId: string,
  version?: number,
): Promise<WorkflowRow | undefined> {
  if (version !== undefined) return getWorkflowVersion(db, workflowId, version);
  return (await getActiveWorkflowVersion(db, workflowId)) ?? (await getLatestWorkflowVersion(db, workflowId));
}

export function workflowsRoutes(deps: ApiDeps): Hono {
  const app = new Hono();

  app.post('/workflows', async (c) => {
    const { definition, meta } = splitMeta(await readJson(c));
    const def = await validateAgainstRegistry(deps.db, definition);
    if (await getLatestWorkflowVersion(deps.db, def.workflow_id)) {
      throw new WeftError(
        'CONFLICT',
        `workflow '${def.workflow_id}' already exists; PUT /workflows/${def.workflow_id} creates a new version`,
      );
    }
    const inserted = await insertWorkflowVersion(deps.db, {
      workflow_id: def.workflow_id,
      version: 1,
      name: def.name,
      status: meta.status ?? 'active',
      definition: definition as object,
      change_summary: meta.change_summary ?? null,
      previous_version: null,
      created_at: deps.now().toISOString(),
    });
    if (!inserted.ok) throw inserted.error;
    deps.registry?.clear();
    return c.json(workflowResource(inserted.value), 201);
  });

  app.post('/workflows/validate', async (c) => {
    const { definition } = splitMeta(await readJson(c));
    try {
      await validateAgainstRegistry(deps.db, definition);
      return c.json({ valid: true, errors: [] });
    } catch (e) {
      if (e instanceof WeftError && e.code === 'VALIDATION_FAILED')
        return c.json({ valid: false, errors: e.details });
      throw e;
    }
  });

  app.get('/workflows', async (c) => {
    const page = await listWorkflows(deps.db, listQuery(c));
    return c.json({ items: page.items.map(workflowResource), next_cursor: page.next_cursor });
  });

  app.get('/workflows/:id', async (c) => {
    const { version } = parseWith(VersionQuerySchema, c.req.query(), 'query');
    const row = await findWorkflowVersion(deps.db, c.req.param('id'), version);
    if (!row) throw notFound(`workflow '${c.req.param('id')}'${version ? ` version ${version}` : ''}`);
    return c.json(workflowResource(row));
  });

  return app;
}
