import { err, ok, toPointer, WeftError, type Result } from '@weft/contracts';
import { MAX_MAPPING_DEPTH } from './limits';
import type { Reference, ReferenceScope } from './reference';
import { parseTemplate } from './template-parser';
import { resolveTemplate } from './template-resolver';

type Path = readonly (string | number)[];

/** Arrays and plain objects are walked; every other value is a leaf. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

const tooDeep = `mapping is nested deeper than ${MAX_MAPPING_DEPTH} levels`;

/** The same error, located at the string it came from. */
function located(error: WeftError, pointer: string): WeftError {
  return new WeftError(error.code, error.message, {
    details: [{ pointer, message: error.message, code: error.code }],
    cause: error.cause,
  });
}

function resolveAt(value: unknown, scope: ReferenceScope, path: Path): Result<unknown, WeftError> {
  if (path.length > MAX_MAPPING_DEPTH) {
    const pointer = toPointer(path);
    return err(new WeftError('MAPPING_FAILED', tooDeep, { details: [{ pointer, message: tooDeep }] }));
  }
  if (typeof value === 'string') {
    const resolved = resolveTemplate(value, scope);
    return resolved.ok ? resolved : err(located(resolved.error, toPointer(path)));
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const item = resolveAt(value[i], scope, [...path, i]);
      if (!item.ok) return item;
      out.push(item.value);
    }
    return ok(out);
  }
  if (isPlainObject(value)) {
    const entries: [string, unknown][] = [];
    for (const [key, item] of Object.entries(value)) {
      const resolved = resolveAt(item, scope, [...path, key]);
      if (!resolved.ok) return resolved;
      entries.push([key, resolved.value]);
    }
    // fromEntries defines own properties, so a `__proto__` key stays a plain key.
    return ok(Object.fromEntries(entries));
  }
  return ok(value);
}

/**
 * Resolve every string inside a mapping value (objects and arrays, recursively; keys are not
 * templates). The first failure is returned, its detail pointing at the string that failed.
 */
export function resolveMapping(value: unknown, scope: ReferenceScope): Result<unknown, WeftError> {
  return resolveAt(value, scope, []);
}

export interface CollectedReferences {
  readonly references: { readonly pointer: string; readonly ref: Reference }[];
  readonly errors: { readonly pointer: string; readonly message: string }[];
}

/**
 * Every reference in a mapping value with the JSON pointer (after `basePointer`) of the string it
 * sits in, and the first parse error of each string that has one. For validating definitions.
 */
export function collectReferences(value: unknown, basePointer = ''): CollectedReferences {
  const references: { pointer: string; ref: Reference }[] = [];
  const errors: { pointer: string; message: string }[] = [];
  const visit = (node: unknown, path: Path): void => {
    const pointer = basePointer + toPointer(path);
    if (path.length > MAX_MAPPING_DEPTH) {
      errors.push({ pointer, message: tooDeep });
      return;
    }
    if (typeof node === 'string') {
      const parsed = parseTemplate(node);
      if (!parsed.ok) errors.push({ pointer, message: parsed.error.message });
      else
        for (const part of parsed.value) if (part.kind === 'ref') references.push({ pointer, ref: part.ref });
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, [...path, i]));
    } else if (isPlainObject(node)) {
      for (const [key, item] of Object.entries(node)) visit(item, [...path, key]);
    }
  };
  visit(value, []);
  return { references, errors };
}
