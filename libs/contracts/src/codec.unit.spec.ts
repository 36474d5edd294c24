import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { decodeCommand, decodeEvent, decodeEventOfTypes, MAX_RECORD_BYTES } from './codec';
import { contractJsonSchemas } from './json-schemas';

const addFormats =
  (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
const RUN = '00000000-0000-4000-8000-000000000001';

const startRun = {
  type: 'StartRun',
  run_id: RUN,
  workflow_id: 'w',
  version: 1,
  definition: { workflow_id: 'w' },
  input: { a: 1 },
  requested_at: '2026-01-01T00:00:00.000Z',
};
const event = {
  run_id: RUN,
  seq: 1,
  type: 'RunCompleted',
  data: { output: 1 },
  recorded_at: '2026-01-01T00:00:00.000Z',
};

describe('record codecs', () => {
  it('decode valid commands and events', () => {
    expect(decodeCommand(JSON.stringify(startRun))).toMatchObject({ ok: true, value: { type: 'StartRun' } });
    expect(decodeEvent(JSON.stringify(event))).toMatchObject({ ok: true, value: { type: 'RunCompleted' } });
  });

  it('never throw: bad JSON, wrong shape, unknown type, oversize — each a reason', () => {
    const bad = [
      '{',
      '[]',
      JSON.stringify({ ...startRun, type: 'Nope' }),
      JSON.stringify({ ...startRun, run_id: 'x' }),
      'x'.repeat(MAX_RECORD_BYTES + 1),
    ];
    const codes = bad.map((text) => {
      const r = decodeCommand(text);
      return r.ok ? 'ok' : r.error.code;
    });
    expect(codes).toEqual([
      'INVALID_JSON',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'VALIDATION_FAILED',
      'PAYLOAD_TOO_LARGE',
    ]);
    const r = decodeCommand(JSON.stringify({ ...startRun, run_id: 'x' }));
    expect(!r.ok && r.error.details[0]?.pointer).toBe('/run_id');
  });

  it('the generated JSON Schemas give the same verdicts as the zod types', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    const schema = (file: string) =>
      ajv.compile(contractJsonSchemas.find((s) => s.file === file)!.generate());
    const command = schema('command.schema.json');
    const events = schema('event.schema.json');
    expect(command(startRun)).toBe(true);
    expect(command({ ...startRun, extra: 1 })).toBe(false);
    expect(events(event)).toBe(true);
    expect(events({ ...event, seq: 0 })).toBe(false);
  });

  it('decodeEventOfTypes checks only the types asked for, and still refuses what is not an event', () => {
    const wanted = new Set(['RunCompleted']);
    expect(decodeEventOfTypes(JSON.stringify(event), wanted)).toMatchObject({ ok: true });
    // Another type is skipped unchecked, even when it would not pass the schema.
    expect(decodeEventOfTypes(JSON.stringify({ ...event, type: 'StepStarted', seq: 'x' }), wanted)).toBe(
      undefined,
    );
    expect(decodeEventOfTypes(JSON.stringify({ ...event, seq: 'x' }), wanted)).toMatchObject({ ok: false });
    for (const bad of [
      '{',
      '[]',
      '1',
      JSON.stringify({ ...event, type: 7 }),
      'x'.repeat(MAX_RECORD_BYTES + 1),
    ])
      expect(decodeEventOfTypes(bad, wanted)).toMatchObject({ ok: false });
  });

  it('decodeEventOfTypes skips a record whose event_type header names another type, unread', () => {
    const wanted = new Set(['RunCompleted']);
    // Not even parsed: the header says it is not wanted.
    expect(decodeEventOfTypes('{', wanted, 'StepStarted')).toBe(undefined);
    // A wanted type in the header: parsed and checked as without it.
    expect(decodeEventOfTypes(JSON.stringify(event), wanted, 'RunCompleted')).toMatchObject({
      ok: true,
      value: { type: 'RunCompleted' },
    });
    expect(decodeEventOfTypes('{', wanted, 'RunCompleted')).toMatchObject({ ok: false });
    // The body decides the type once parsed: a header claiming a wanted type gets no pass.
    expect(
      decodeEventOfTypes(JSON.stringify({ ...event, type: 'StepStarted' }), wanted, 'RunCompleted'),
    ).toBe(undefined);
  });
});
