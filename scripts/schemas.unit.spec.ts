import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateSchemas, renderSchema } from './schema-registry';

const dir = fileURLToPath(new URL('../schemas/', import.meta.url));
const STALE = 'schemas/ is out of date: run npm run schemas';

describe('schemas/', () => {
  const generated = generateSchemas();

  it('holds exactly the generated files', () => {
    const onDisk = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(onDisk, STALE).toEqual(Object.keys(generated).sort());
  });

  it.each(Object.keys(generated))('%s is what the generator produces now', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    expect(text === renderSchema(generated[file]!), `${file}: ${STALE}`).toBe(true);
  });

  it('includes the workflow definition and agent schemas, as draft 2020-12', () => {
    for (const file of ['workflow-definition.schema.json', 'agent.schema.json']) {
      expect(generated[file]).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema' });
    }
  });
});
