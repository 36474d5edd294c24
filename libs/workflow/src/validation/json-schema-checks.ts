import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { WorkflowDefinition } from '../definition.schema';
import type { StepIndex } from './step-index';
import { detail, type ValidationDetail } from './validation-detail';

let shared: Ajv2020 | undefined;

/** One Ajv (draft 2020-12, lenient about unknown keywords, quiet) for compile checks; created on first use. */
function ajv(): Ajv2020 {
  if (shared === undefined) {
    shared = new Ajv2020({ strict: false, allErrors: true, logger: false });
    addFormats(shared);
  }
  return shared;
}

/**
 * Why a JSON Schema does not compile, or null when it does. The compiled schema is not kept. After
 * a failure the instance is dropped, not cleaned: removing a schema by an `$id` that collided
 * could remove what another schema (even the meta-schema) registered.
 */
export function jsonSchemaProblem(schema: Record<string, unknown>): string | null {
  const instance = ajv();
  try {
    instance.compile(schema);
  } catch (e) {
    shared = undefined;
    return e instanceof Error ? e.message : String(e);
  }
  instance.removeSchema(schema);
  return null;
}

/** `input_schema`, `output_schema` and every validation step's `schema` compile as draft 2020-12. */
export function checkJsonSchemas(def: WorkflowDefinition, index: StepIndex): ValidationDetail[] {
  const schemas: { pointer: string; schema: Record<string, unknown> }[] = [];
  if (def.input_schema !== undefined) schemas.push({ pointer: '/input_schema', schema: def.input_schema });
  if (def.output_schema !== undefined) schemas.push({ pointer: '/output_schema', schema: def.output_schema });
  for (const { step, pointer } of index.entries) {
    if (step.type === 'validation') schemas.push({ pointer: `${pointer}/schema`, schema: step.schema });
  }
  return schemas.flatMap(({ pointer, schema }) => {
    const problem = jsonSchemaProblem(schema);
    return problem === null
      ? []
      : [detail(pointer, 'invalid_schema', `not a valid JSON Schema (draft 2020-12): ${problem}`)];
  });
}
