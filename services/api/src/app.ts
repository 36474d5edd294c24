import { WeftError } from '@weft/contracts';
import { Hono } from 'hono';
import type { ApiDeps } from './deps';
import { errorBody, errorResponse } from './http-errors';
import { limitBodySize } from './body-limit';
import { openApiDocument } from './openapi';
import { agentsRoutes } from './routes/agents.routes';
import { runsRoutes } from './routes/runs.routes';
import { circuitRoutes } from './routes/circuit.routes';
import { dlqRoutes } from './routes/dlq.routes';
import { workflowsRoutes } from './routes/workflows.routes';
import { registryCache, REGISTRY_CACHE_MS } from './registry-cache';

/**
 * The API's composition root: the error envelope, the body limit, and the route modules under
 * `/api/v1`. Tests call `app.request()` on it in process.
 */
export function createApp(apiDeps: ApiDeps): Hono {
  const deps: ApiDeps = { ...apiDeps, registry: apiDeps.registry ?? registryCache(REGISTRY_CACHE_MS) };
  const app = new Hono();

  app.onError((e, c) => {
    if (e instanceof WeftError) return errorResponse(c, e);
    deps.logger.error({ err: e, path: c.req.path }, 'unhandled error in request');
    return c.json(errorBody('INTERNAL', 'internal error'), 500);
  });
  app.notFound((c) => c.json(errorBody('NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`), 404));

  const api = new Hono();
  api.use(
    '*',
    limitBodySize(deps.maxBodyBytes, (c) =>
      c.json(errorBody('PAYLOAD_TOO_LARGE', `request body exceeds ${deps.maxBodyBytes} bytes`), 413),
    ),
  );
  api.route('/', agentsRoutes(deps));
  api.route('/', workflowsRoutes(deps));
  api.route('/', runsRoutes(deps));
  api.route('/', dlqRoutes(deps));
  if (deps.breaker)
    api.route('/', circuitRoutes({ breaker: deps.breaker, db: deps.db, log: deps.log, topics: deps.topics }));
  api.get('/healthz', (c) => c.json({ status: 'ok' }));
  api.get('/readyz', (c) =>
    deps.isReady() ? c.json({ status: 'ready' }) : c.json({ status: 'starting' }, 503),
  );
  const doc = openApiDocument();
  api.get('/openapi.json', (c) => c.json(doc));

  app.route('/api/v1', api);
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) =>
    deps.isReady() ? c.json({ status: 'ready' }) : c.json({ status: 'starting' }, 503),
  );
  app.get('/openapi.json', (c) => c.json(doc));
  return app;
}
