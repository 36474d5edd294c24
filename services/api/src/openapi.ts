import { WorkflowDefinitionSchema, AgentSpecSchema } from '@weft/workflow';
import { z } from 'zod';
import { BulkReplayBodySchema, ReplayBodySchema } from './routes/dlq.routes';
import { StartRunBodySchema } from './routes/runs.routes';

/**
 * The OpenAPI 3.1 document, with request schemas generated from the same zod schemas the routes
 * validate with, so the document cannot drift from the code.
 */
const ErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ pointer: z.string(), message: z.string(), code: z.string().optional() })),
  }),
});

const schema = (s: z.ZodType) => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(s, { unrepresentable: 'any', io: 'input' }) as Record<
    string,
    unknown
  >;
  return rest;
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (s: object) => ({ content: { 'application/json': { schema: s } } });
const errors = {
  '400': { description: 'Bad input', ...json(ref('Error')) },
  '404': { description: 'Unknown resource', ...json(ref('Error')) },
  '409': { description: 'Conflict', ...json(ref('Error')) },
  '413': { description: 'Body too large', ...json(ref('Error')) },
};
const ok = (description: string) => ({ '200': { description, ...json({ type: 'object' }) }, ...errors });
const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });
const listParams = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 } },
  { name: 'cursor', in: 'query', schema: { type: 'string' } },
];

export function openApiDocument(): object {
  return {
    openapi: '3.1.0',
    info: { title: 'Weft workflow engine API', version: '0.1.0' },
    servers: [{ url: '/api/v1' }],
    paths: {
      '/agents': {
        post: {
          summary: 'Register an agent',
          requestBody: json(ref('AgentSpec')),
          responses: { '201': { description: 'Created' }, ...errors },
        },
        get: { summary: 'List agents', parameters: listParams, responses: ok('A page of agents') },
      },
      '/agents/{name}': {
        parameters: [pathParam('name')],
        get: { summary: 'Get an agent', responses: ok('The agent') },
        put: { summary: 'Replace an agent', requestBody: json(ref('AgentSpec')), responses: ok('The agent') },
        delete: { summary: 'Delete an agent', responses: { '204': { description: 'Deleted' }, ...errors } },
      },
      '/agents/{name}/circuit': {
        parameters: [pathParam('name')],
        get: {
          summary: "An agent's circuit breaker: state, counters, effective config, recent transitions",
          responses: { ...ok('The circuit'), '503': { description: 'Breaker store unreachable' } },
        },
      },
      '/agents/{name}/circuit/reset': {
        parameters: [pathParam('name')],
        post: {
          summary: "Reset an agent's circuit to CLOSED (recorded as a transition)",
          responses: {
            ...ok('The circuit after the reset'),
            '503': { description: 'Breaker store unreachable' },
          },
        },
      },
      '/workflows': {
        post: {
          summary: 'Create a workflow (version 1)',
          requestBody: json(ref('WorkflowDefinition')),
          responses: { '201': { description: 'Created' }, ...errors },
        },
        get: { summary: 'List workflows', parameters: listParams, responses: ok('A page of workflows') },
      },
      '/workflows/validate': {
        post: {
          summary: 'Validate a definition',
          requestBody: json(ref('WorkflowDefinition')),
          responses: ok('{ valid, errors }'),
        },
      },
      '/workflows/{id}': {
        parameters: [pathParam('id')],
        get: { summary: 'Get a workflow (active version, or ?version=)', responses: ok('The workflow') },
      },
      '/workflows/{id}/runs': {
        parameters: [pathParam('id')],
        post: {
          summary: 'Start a run',
          requestBody: json(ref('StartRunBody')),
          responses: { '202': { description: 'Accepted: { run_id }' }, ...errors },
        },
      },
      '/runs': {
        get: {
          summary: 'List runs',
          parameters: [
            ...listParams,
            { name: 'workflow_id', in: 'query', schema: { type: 'string' } },
            { name: 'status', in: 'query', schema: { type: 'string' } },
          ],
          responses: ok('A page of runs'),
        },
      },
      '/runs/{id}': {
        parameters: [pathParam('id')],
        get: {
          summary: 'Get a run',
          parameters: [
            {
              name: 'wait_ms',
              in: 'query',
              description: 'Long poll: answer once the run has ended or this many ms have passed',
              schema: { type: 'integer', minimum: 0, maximum: 60000 },
            },
          ],
          responses: ok('The run'),
        },
      },
      '/runs/{id}/steps': {
        parameters: [pathParam('id')],
        get: { summary: "A run's step executions", responses: ok('Steps') },
      },
      '/runs/{id}/events': {
        parameters: [pathParam('id')],
        get: {
          summary: "A run's events, in seq order",
          parameters: [
            { name: 'after_seq', in: 'query', schema: { type: 'integer' } },
            { name: 'limit', in: 'query', schema: { type: 'integer' } },
          ],
          responses: ok('Events'),
        },
      },
      '/dlq': {
        get: {
          summary: 'List dead-letter entries, newest first',
          parameters: [
            ...listParams,
            { name: 'status', in: 'query', schema: { type: 'string', enum: ['pending', 'replayed'] } },
            { name: 'agent_name', in: 'query', schema: { type: 'string' } },
            { name: 'workflow_id', in: 'query', schema: { type: 'string' } },
          ],
          responses: ok('A page of entries'),
        },
      },
      '/dlq/{id}': {
        parameters: [pathParam('id')],
        get: { summary: 'Get a dead-letter entry', responses: ok('The entry') },
        delete: { summary: 'Delete an entry', responses: { '204': { description: 'Deleted' }, ...errors } },
      },
      '/dlq/{id}/replay': {
        parameters: [pathParam('id')],
        post: {
          summary:
            'Replay an entry. Mode "run" (default): a new run of the same workflow version with the same input. Mode "step": re-drive the failed step of the FAILED run (409 when the run is not FAILED or failed at another step). Idempotent: a second replay answers the same run, outcome "skipped"',
          requestBody: { required: false, ...json(ref('DlqReplayBody')) },
          responses: {
            '202': { description: 'Replayed: { entry_id, outcome, run_id, entry }' },
            ...ok('Replayed before: the same run_id, outcome "skipped"'),
          },
        },
      },
      '/dlq/replay': {
        post: {
          summary: 'Replay entries in bulk, by ids or by a filter (pending entries, newest first)',
          requestBody: json(ref('DlqBulkReplayBody')),
          responses: ok('{ results: [{ entry_id, outcome: replayed | skipped | error, ... }], summary }'),
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'Alive' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness',
          responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready' } },
        },
      },
    },
    components: {
      schemas: {
        Error: schema(ErrorSchema),
        AgentSpec: schema(AgentSpecSchema),
        WorkflowDefinition: schema(WorkflowDefinitionSchema),
        StartRunBody: schema(StartRunBodySchema),
        DlqReplayBody: schema(ReplayBodySchema),
        DlqBulkReplayBody: schema(BulkReplayBodySchema),
      },
    },
  };
}
