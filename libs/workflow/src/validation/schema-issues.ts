import { toPointer } from '@weft/contracts';
import type { z } from 'zod';
import { isPlainObject } from './json-guard';
import { detail, type ValidationDetail } from './validation-detail';

/** Error map for parsing definitions: a missing field says so. */
export const definitionErrorMap: z.core.$ZodErrorMap = (issue) =>
  issue.code === 'invalid_type' && issue.input === undefined ? 'required field is missing' : undefined;

/**
 * Zod issues as details located by JSON pointer. An unknown field is reported at its own pointer
 * (one detail per field); an unknown `type` lists the accepted ones.
 */
export function issuesToDetails(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  document = 'a workflow definition',
): ValidationDetail[] {
  const details: ValidationDetail[] = [];
  for (const issue of issues) {
    const pointer = toPointer(issue.path);
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys)
          details.push(detail(toPointer([...issue.path, key]), 'schema', `unknown field "${key}"`));
        break;
      case 'invalid_union':
        details.push(detail(pointer, 'schema', unionMessage(issue, valueAt(input, issue.path))));
        break;
      case 'invalid_key':
        details.push(
          detail(
            pointer,
            'schema',
            `invalid name "${String(issue.path.at(-1))}": ${issue.issues.map((i) => i.message).join('; ')}`,
          ),
        );
        break;
      default:
        details.push(
          detail(
            pointer,
            'schema',
            pointer === '' && issue.code === 'invalid_type'
              ? `${document} must be a JSON object`
              : issue.message,
          ),
        );
    }
  }
  // Two checks of one field may fail with the same message (a URL's format and protocol).
  const seen = new Set<string>();
  return details.filter((d) => {
    const key = `${d.pointer}\u0000${d.message}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}

/** The value at a path of the raw input (issues do not carry their input). */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (Array.isArray(value) && typeof key === 'number') value = value[key];
    else if (isPlainObject(value) && typeof key === 'string') value = value[key];
    else return undefined;
  }
  return value;
}

function unionMessage(issue: z.core.$ZodIssueInvalidUnion, value: unknown): string {
  if (issue.discriminator !== undefined && 'options' in issue) {
    const options = (issue.options ?? []).filter((o) => typeof o === 'string');
    return `unknown ${issue.discriminator} ${JSON.stringify(value)}; expected one of: ${options.join(', ')}`;
  }
  return issue.message;
}
