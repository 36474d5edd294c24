import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { contractJsonSchemas } from './json-schemas';
import { decodeStartRequest } from './start-request';

const addFormats =
  (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

const valid = [
  { workflow_id: 'w', input: { a: 1 } },
  { workflow_id: 'w', input: null },
  { workflow_id: 'w', version: 2, input: [1], idempotency_key: 'k-1', correlation_id: 'c-1' },
];
const invalid: [unknown, string][] = [
  [{ input: {} }, '/workflow_id'],
  [{ workflow_id: 'w' }, '/input'],
  [{ workflow_id: '', input: {} }, '/workflow_id'],
  [{ workflow_id: 'w', input: {}, version: 0 }, '/version'],
  [{ workflow_id: 'w', input: {}, version: 1.5 }, '/version'],
  [{ workflow_id: 'w', input: {}, idempotency_key: '' }, '/idempotency_key'],
  [{ workflow_id: 'w', input: {}, correlation_id: 'x'.repeat(257) }, '/correlation_id'],
  [{ workflow_id: 'w', input: {}, extra: true }, ''],
  [[], ''],
];

describe('start requests (SPEC §7 wf.start-requests)', () => {
  it('decode valid requests', () => {
    for (const request of valid) {
      expect(decodeStartRequest(JSON.stringify(request))).toEqual({ ok: true, value: request });
    }
  });

  it('refuse bad JSON and wrong shapes with a code and the pointer of the problem', () => {
    const bad = decodeStartRequest('{"workflow_id":');
    expect(!bad.ok && bad.error.code).toBe('INVALID_JSON');
    for (const [request, pointer] of invalid) {
      const r = decodeStartRequest(JSON.stringify(request));
      expect(r.ok, JSON.stringify(request)).toBe(false);
      expect(!r.ok && r.error.code).toBe('VALIDATION_FAILED');
      expect(!r.ok && r.error.details[0]?.pointer).toBe(pointer);
    }
  });

  it('the generated JSON Schema gives the same verdicts as the zod type', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const source = contractJsonSchemas.find((s) => s.file === 'start-request.schema.json');
    const check = ajv.compile(source!.generate());
    for (const request of valid) expect(check(request), JSON.stringify(request)).toBe(true);
    for (const [request] of invalid) expect(check(request), JSON.stringify(request)).toBe(false);
  });
});
