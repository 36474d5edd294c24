import { contractJsonSchemas } from '@weft/contracts';
import { workflowJsonSchemas } from '@weft/workflow';

/**
 * Every JSON Schema the repository publishes in `schemas/` (STYLE 6: generated from zod, never
 * hand-written). Each library exports its own list of sources; this file only collects them.
 * `npm run schemas` writes them; scripts/schemas.unit.spec.ts fails when `schemas/` is stale.
 */
export interface JsonSchemaSource {
  /** File name inside `schemas/`, e.g. `workflow-definition.schema.json`. */
  readonly file: string;
  readonly generate: () => object;
}

/** Add a library's sources here (a structural `{ file, generate }[]`, so libraries need not import this file). */
const SOURCES: readonly (readonly JsonSchemaSource[])[] = [workflowJsonSchemas, contractJsonSchemas];

/** All schemas, by file name. Throws if two sources claim the same file. */
export function generateSchemas(): Record<string, object> {
  const schemas: Record<string, object> = {};
  for (const { file, generate } of SOURCES.flat()) {
    if (!/^[a-z0-9][a-z0-9.-]*\.json$/.test(file)) throw new Error(`invalid schema file name: ${file}`);
    if (Object.hasOwn(schemas, file)) throw new Error(`two schema sources write ${file}`);
    schemas[file] = generate();
  }
  return schemas;
}

/** The exact text of a schema file: pretty-printed, two spaces, trailing newline. */
export function renderSchema(schema: object): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
