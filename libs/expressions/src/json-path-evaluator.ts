import { JSONPath } from 'jsonpath-plus';
import type { PathSegment } from './json-path';

/**
 * The path in the dialect of jsonpath-plus. Names are always bracketed (the parser has refused the
 * characters that dialect would misread), and a negative index becomes the one-element slice that
 * jsonpath-plus understands (`[-1]` is `[-1:]`, `[-3]` is `[-3:-2]`).
 */
export function toEvaluatorPath(segments: readonly PathSegment[]): string {
  let out = '$';
  let afterDescent = false;
  for (const s of segments) {
    switch (s.kind) {
      case 'descent':
        out += '..';
        break;
      case 'name':
        out += `['${s.name}']`;
        break;
      case 'wildcard':
        out += afterDescent ? '*' : '[*]';
        break;
      case 'index':
        if (s.index >= 0) out += `[${s.index}]`;
        else out += s.index === -1 ? '[-1:]' : `[${s.index}:${s.index + 1}]`;
        break;
      case 'slice':
        out += `[${s.start ?? ''}:${s.end ?? ''}${s.step === undefined ? '' : `:${s.step}`}]`;
        break;
    }
    afterDescent = s.kind === 'descent';
  }
  return out;
}

/**
 * Every value the path selects under `root`, in document order, evaluated by jsonpath-plus with
 * script evaluation off. An empty path selects `root` itself. `undefined` values are not matches.
 * May throw only if jsonpath-plus itself fails; callers turn that into an error value.
 */
export function selectAll(segments: readonly PathSegment[], root: unknown): unknown[] {
  if (segments.length === 0) return root === undefined ? [] : [root];
  if (typeof root !== 'object' || root === null) return [];
  const found: unknown = JSONPath({
    path: toEvaluatorPath(segments),
    json: root,
    eval: false,
    wrap: true,
    resultType: 'value',
  });
  return Array.isArray(found) ? found.filter((v) => v !== undefined) : [];
}
