import { describe, expect, it } from 'vitest';
import { agent, codesAt, detailsOf, expectValid, sequential } from '../fixtures/definitions';

describe('embedded JSON Schemas', () => {
  it("reports an input_schema that does not compile, with Ajv's reason", () => {
    const [d] = detailsOf(sequential([agent('a')], { input_schema: { type: 'objekt' } }));
    expect(d).toMatchObject({ pointer: '/input_schema', code: 'invalid_schema' });
    expect(d?.message).toContain('not a valid JSON Schema (draft 2020-12)');
  });

  it('checks output_schema and validation step schemas too', () => {
    const def = sequential(
      [
        {
          id: 'p',
          type: 'parallel',
          parallel_steps: [
            { id: 'v', type: 'validation', data: '${workflow.input}', schema: { $ref: '#/$defs/missing' } },
          ],
        },
      ],
      { output_schema: { type: 'string', pattern: '(' } },
    );
    expect(codesAt(def)).toEqual([
      { code: 'invalid_schema', pointer: '/output_schema' },
      { code: 'invalid_schema', pointer: '/steps/0/parallel_steps/0/schema' },
    ]);
  });

  it('accepts formats and unknown keywords, and does not fetch remote references', () => {
    expectValid(
      sequential([agent('a')], {
        input_schema: { type: 'object', properties: { e: { type: 'string', format: 'email' } }, 'x-ui': 1 },
      }),
    );
    expect(
      codesAt(sequential([agent('a')], { input_schema: { $ref: 'https://example.com/schema.json' } })),
    ).toEqual([{ code: 'invalid_schema', pointer: '/input_schema' }]);
  });

  it('compiles the same $id again and again, and survives a schema claiming the meta-schema id', () => {
    const withId = sequential([agent('a')], {
      input_schema: { $id: 'https://example.com/order', type: 'object' },
    });
    expectValid(withId);
    expectValid(withId);
    const hostile = { $id: 'https://json-schema.org/draft/2020-12/schema', type: 'object' };
    expect(codesAt(sequential([agent('a')], { input_schema: hostile }))).toEqual([
      { code: 'invalid_schema', pointer: '/input_schema' },
    ]);
    expectValid(withId);
    expect(codesAt(sequential([agent('a')], { input_schema: { type: 'objekt' } }))).toEqual([
      { code: 'invalid_schema', pointer: '/input_schema' },
    ]);
  });
});
