import { pointerToken } from '@weft/contracts';
import { MAX_JSON_DEPTH } from '../identifiers';
import { detail, type ValidationDetail } from './validation-detail';

/** Arrays and objects whose prototype is Object.prototype or null; everything else is a leaf. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Checks that `input` is plain JSON nested at most MAX_JSON_DEPTH deep, without recursion (so a
 * hostile input cannot exhaust the stack) and before any recursive walker sees it. Object
 * properties holding `undefined` count as absent, as in JSON.stringify. `__proto__` keys are
 * refused: parsers would drop or misread them.
 */
export function checkPlainJson(input: unknown): ValidationDetail[] {
  const errors: ValidationDetail[] = [];
  const stack: { value: unknown; pointer: string; depth: number }[] = [
    { value: input, pointer: '', depth: 0 },
  ];
  while (stack.length > 0) {
    const { value, pointer, depth } = stack.pop()!;
    if (value === null || typeof value === 'string' || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) errors.push(detail(pointer, 'not_json', `${value} is not a JSON number`));
      continue;
    }
    const isArray = Array.isArray(value);
    if (!isArray && !isPlainObject(value)) {
      errors.push(detail(pointer, 'not_json', `a ${describe(value)} is not a JSON value`));
      continue;
    }
    if (depth >= MAX_JSON_DEPTH) {
      errors.push(detail(pointer, 'too_deep', `nested deeper than ${MAX_JSON_DEPTH} levels (or circular)`));
      continue;
    }
    if (isArray) {
      for (let i = value.length - 1; i >= 0; i--) {
        const item: unknown = value[i];
        if (item === undefined)
          errors.push(detail(`${pointer}/${i}`, 'not_json', 'undefined is not a JSON value'));
        else stack.push({ value: item, pointer: `${pointer}/${i}`, depth: depth + 1 });
      }
      continue;
    }
    const entries = Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i]!;
      const childPointer = `${pointer}/${pointerToken(key)}`;
      if (key === '__proto__')
        errors.push(detail(childPointer, 'not_json', 'the key "__proto__" is not allowed'));
      else if (item !== undefined) stack.push({ value: item, pointer: childPointer, depth: depth + 1 });
    }
  }
  return errors;
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'object';
  return typeof value;
}
