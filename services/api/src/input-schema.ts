import { WeftError } from '@weft/contracts';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats =
  (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;

/** One shared Ajv instance (STYLE 7); validators compiled once per workflow version. */
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const compiled = new Map<string, ValidateFunction>();

/** Check a run's input against the workflow version's `input_schema`. */
export function checkInput(cacheKey: string, schema: object | undefined, input: unknown): void {
  if (schema === undefined) return;
  let validate = compiled.get(cacheKey);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(cacheKey, validate);
  }
  if (validate(input)) return;
  const details = (validate.errors ?? []).map((e) => ({
    pointer: e.instancePath,
    message: e.message ?? 'invalid',
    code: e.keyword,
  }));
  throw new WeftError(
    'INPUT_SCHEMA_MISMATCH',
    `input does not match the workflow's input_schema: ${details.length} error(s)`,
    { details },
  );
}
