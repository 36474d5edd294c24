/** The JSON kinds a condition reasons about. */
export type ValueKind = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'other';

export function kindOf(value: unknown): ValueKind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'boolean':
    case 'number':
    case 'string':
      return typeof value as 'boolean' | 'number' | 'string';
    case 'object':
      return 'object';
    default:
      return 'other';
  }
}

const SHOWN_STRING_LENGTH = 40;

/** A value in an error message: its kind and, for scalars, a short form; never the whole value. */
export function describeValue(value: unknown): string {
  const kind = kindOf(value);
  switch (kind) {
    case 'null':
      return 'null';
    case 'boolean':
    case 'number':
      return `${kind} ${String(value)}`;
    case 'string': {
      const s = value as string;
      const shown = s.length > SHOWN_STRING_LENGTH ? `${s.slice(0, SHOWN_STRING_LENGTH)}…` : s;
      return `string ${JSON.stringify(shown)}`;
    }
    case 'array':
      return `array of ${(value as unknown[]).length}`;
    default:
      return kind;
  }
}

/**
 * Structural equality of JSON values, without coercion: same kind, and same scalar, or arrays
 * equal item by item, or objects with the same own keys and equal values. Iterative (an explicit
 * stack), so a deeply nested value cannot exhaust the call stack.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  const pending: [unknown, unknown][] = [[a, b]];
  for (let pair = pending.pop(); pair !== undefined; pair = pending.pop()) {
    const [x, y] = pair;
    const kind = kindOf(x);
    if (kind !== kindOf(y)) return false;
    if (kind === 'array') {
      const xs = x as unknown[];
      const ys = y as unknown[];
      if (xs.length !== ys.length) return false;
      for (let i = 0; i < xs.length; i++) pending.push([xs[i], ys[i]]);
    } else if (kind === 'object') {
      const xo = x as Record<string, unknown>;
      const yo = y as Record<string, unknown>;
      const keys = Object.keys(xo);
      if (keys.length !== Object.keys(yo).length) return false;
      for (const key of keys) {
        if (!Object.hasOwn(yo, key)) return false;
        pending.push([xo[key], yo[key]]);
      }
    } else if (!Object.is(x, y) && !(kind === 'number' && x === y)) {
      return false;
    }
  }
  return true;
}
