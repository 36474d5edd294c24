import { WeftError } from '@weft/contracts';
import { deleteAgent, getAgent, insertAgent, listAgents, updateAgent, type Database } from '@weft/store';
import { AgentSpecSchema, type AgentSpec } from '@weft/workflow';
import { Hono } from 'hono';
import type { Selectable } from 'kysely';
import type { ApiDeps } from '../deps';
import { notFound } from '../http-errors';
import { listQuery } from '../pagination';
import { parseWith, readBody, readJson } from '../request-body';

type AgentRow = Selectable<Database['agents']>;

/** Header values may be credentials: the API shows their names only. */
export function agentResource(row: AgentRow) {
  const headers = (row.headers ?? {}) as Record<string, unknown>;
  return {
    name: row.name,
    url: row.url,
    method: row.method,
    timeout_seconds: row.timeout_seconds,
    retry_config: row.retry_config,
    circuit_breaker_config: row.circuit_breaker_config,
    headers: Object.fromEntries(Object.keys(headers).map((k) => [k, '***'])),
    description: row.description,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function agentColumns(spec: AgentSpec) {
  return {
    url: spec.url,
    method: spec.method,
    timeout_seconds: spec.timeout_seconds,
    retry_config: spec.retry_config ?? null,
    circuit_breaker_config: spec.circuit_breaker_config ?? null,
    headers: spec.headers ?? {},
    description: spec.description ?? null,
  };
}

export function agentsRoutes(deps: ApiDeps): Hono {
  const app = new Hono();

  app.post('/agents', async (c) => {
    const spec = await readBody(c, AgentSpecSchema);
    const at = deps.now().toISOString();
    const inserted = await insertAgent(deps.db, {
      name: spec.name,
      ...agentColumns(spec),
      created_at: at,
      updated_at: at,
    });
    if (!inserted.ok) throw inserted.error;
    deps.registry?.clear();
    return c.json(agentResource(inserted.value), 201);
  });

  app.get('/agents', async (c) => {
    const q = listQuery(c);
    const page = await listAgents(deps.db, q);
    return c.json({ items: page.items.map(agentResource), next_cursor: page.next_cursor });
  });

  app.get('/agents/:name', async (c) => {
    const row = await getAgent(deps.db, c.req.param('name'));
    if (!row) throw notFound(`agent '${c.req.param('name')}'`);
    return c.json(agentResource(row));
  });

  app.put('/agents/:name', async (c) => {
    const name = c.req.param('name');
    const raw = await readJson(c);
    const body = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { name, ...raw } : raw;
    const spec = parseWith(AgentSpecSchema, body, 'request body');
    if (spec.name !== name)
      throw new WeftError('VALIDATION_FAILED', `body names agent '${spec.name}', path '${name}'`);
    const updated = await updateAgent(deps.db, name, {
      ...agentColumns(spec),
      updated_at: deps.now().toISOString(),
    });
    deps.registry?.clear();
    if (!updated) throw notFound(`agent '${name}'`);
    return c.json(agentResource(updated));
  });

  app.delete('/agents/:name', async (c) => {
    const name = c.req.param('name');
    const deleted = await deleteAgent(deps.db, name);
    deps.registry?.clear();
    if (!deleted) throw notFound(`agent '${name}'`);
    return c.body(null, 204);
  });

  return app;
}
