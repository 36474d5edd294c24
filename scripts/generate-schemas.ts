import { readdirSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSchemas, renderSchema } from './schema-registry';

/** `npm run schemas`: writes every registered JSON Schema into `schemas/` and removes stale `.json` files. */
const dir = fileURLToPath(new URL('../schemas/', import.meta.url));
mkdirSync(dir, { recursive: true });
const schemas = generateSchemas();
for (const [file, schema] of Object.entries(schemas)) {
  writeFileSync(join(dir, file), renderSchema(schema));
  console.log(`wrote schemas/${file}`);
}
for (const file of readdirSync(dir)) {
  if (file.endsWith('.json') && !Object.hasOwn(schemas, file)) {
    rmSync(join(dir, file));
    console.log(`removed stale schemas/${file}`);
  }
}
