import { z } from 'zod';
import { AgentSpecSchema } from './agent-spec.schema';
import { WorkflowDefinitionSchema } from './definition.schema';

/**
 * JSON Schemas (draft 2020-12) generated from the zod model (STYLE 6: never hand-written).
 * They check the shape only; the graph checks of `validateDefinition` (ids, jumps, cycles,
 * references, compiled JSON Schemas, cross-field rules) exist in TypeScript only.
 */
export function workflowDefinitionJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(WorkflowDefinitionSchema, { target: 'draft-2020-12', io: 'input' });
}

/** Input shape of an agent registration: fields with defaults are optional. */
export function agentSpecJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(AgentSpecSchema, { target: 'draft-2020-12', io: 'input' });
}

/** What this library contributes to `schemas/` (collected by scripts/schema-registry.ts). */
export const workflowJsonSchemas: readonly { readonly file: string; readonly generate: () => object }[] = [
  { file: 'workflow-definition.schema.json', generate: workflowDefinitionJsonSchema },
  { file: 'agent.schema.json', generate: agentSpecJsonSchema },
];
