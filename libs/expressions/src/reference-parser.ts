import { err, ok, type Result, type WeftError } from '@weft/contracts';
import { invalidReference } from './expression-errors';
import { FILTER_DISABLED_MESSAGE, formatJsonPath, parsePathAt, PROTOTYPE_NAMES } from './json-path';
import { MAX_REFERENCE_LENGTH } from './limits';
import { parseLiteralAt } from './literal-parser';
import { RESERVED_ROOT_WORDS, type ParseFailure, type Reference, type ReferenceRoot } from './reference';

/** What a reference points at, without its raw text and default: the part a condition parser reuses. */
export type ReferenceTarget = Omit<Reference, 'raw' | 'default'>;

export const STEP_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

interface RootSpec {
  readonly root: ReferenceRoot;
  /** Each field, and whether a path may follow it. */
  readonly fields: Readonly<Record<string, boolean>>;
}

/** The root words that take a field, and the step root. `event` and `now` take none. */
const ROOT_SPECS: ReadonlyMap<string, RootSpec> = new Map<string, RootSpec>([
  ['workflow', { root: 'workflow', fields: { input: true } }],
  ['loop', { root: 'loop', fields: { item: true, index: false } }],
  ['branch', { root: 'branch', fields: { name: false } }],
  ['run', { root: 'run', fields: { id: false, status: false, output: true } }],
  ['state', { root: 'state', fields: { name: false } }],
  ['schedule', { root: 'schedule', fields: { fire_time: false } }],
]);
const STEP_SPEC: RootSpec = { root: 'step', fields: { output: true } };

const ROOT_EXPECTED =
  'expected a reference root: workflow, a step id, loop, branch, event, run, state, schedule or now';

const fail = (message: string, position: number): Result<never, ParseFailure> => err({ message, position });

function readWord(src: string, pos: number): string {
  let end = pos;
  while (end < src.length && /[A-Za-z0-9_-]/.test(src[end] ?? '')) end++;
  return src.slice(pos, end);
}

function isWhitespace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

function skipWhitespace(src: string, pos: number): number {
  let i = pos;
  while (isWhitespace(src[i])) i++;
  return i;
}

/** Whether a step id is well formed and not a reserved root word. */
export function isValidStepId(id: string): boolean {
  return STEP_ID_PATTERN.test(id) && !RESERVED_ROOT_WORDS.has(id) && !PROTOTYPE_NAMES.has(id);
}

function parsePathOrNothing(
  src: string,
  pos: number,
  label: string,
  pathAllowed: boolean,
): Result<{ path: string; end: number }, ParseFailure> {
  if (!pathAllowed) {
    if (src[pos] === '.' || src[pos] === '[') return fail(`${label} takes no path`, pos);
    return ok({ path: '$', end: pos });
  }
  const parsed = parsePathAt(src, pos);
  if (!parsed.ok) return parsed;
  return ok({ path: formatJsonPath(parsed.value.segments), end: parsed.value.end });
}

/**
 * Parse a reference target (`workflow.input.a`, `my-step.output[0]`, `loop.index`, ...) starting at
 * `pos` and stop at the first character that cannot continue it. Reusable by a condition parser.
 */
export function parseReferenceTargetAt(
  src: string,
  pos: number,
): Result<{ target: ReferenceTarget; end: number }, ParseFailure> {
  if (!/[A-Za-z_]/.test(src[pos] ?? '')) return fail(ROOT_EXPECTED, pos);
  const word = readWord(src, pos);
  let i = pos + word.length;

  if (word === 'event' || word === 'now') {
    const rest = parsePathOrNothing(src, i, word, word === 'event');
    if (!rest.ok) return rest;
    return ok({ target: { root: word, path: rest.value.path }, end: rest.value.end });
  }

  const spec = ROOT_SPECS.get(word) ?? STEP_SPEC;
  const isStep = spec.root === 'step';
  if (isStep && PROTOTYPE_NAMES.has(word))
    return fail(`step id '${word}' is not allowed (prototype access)`, pos);
  const fields = spec.fields;
  const fieldNames = Object.keys(fields);
  const expected = fieldNames.map((f) => `'.${f}'`).join(' or ');
  const label = isStep ? `step id '${word}'` : `'${word}'`;
  if (src[i] !== '.') return fail(`expected ${expected} after ${label}`, i);
  const field = readWord(src, i + 1);
  if (!Object.hasOwn(fields, field))
    return fail(`unknown field '${field}' after ${label}: expected ${expected}`, i + 1);
  i += 1 + field.length;

  const rest = parsePathOrNothing(src, i, `${word}.${field}`, fields[field] === true);
  if (!rest.ok) return rest;
  const { root } = spec;
  const target: ReferenceTarget = isStep
    ? { root, stepId: word, field, path: rest.value.path }
    : { root, field, path: rest.value.path };
  return ok({ target, end: rest.value.end });
}

/** Parse the text between `${` and `}`: a target, then optionally `?? <literal>`. */
export function parseReferenceBody(inner: string, raw: string): Result<Reference, ParseFailure> {
  if (inner.length > MAX_REFERENCE_LENGTH)
    return fail(`reference longer than ${MAX_REFERENCE_LENGTH} characters`, 0);
  let i = skipWhitespace(inner, 0);
  if (i === inner.length) return fail('empty reference', i);
  const parsed = parseReferenceTargetAt(inner, i);
  if (!parsed.ok) return parsed;
  i = skipWhitespace(inner, parsed.value.end);
  let fallback: { value: unknown } | undefined;
  if (inner.startsWith('??', i)) {
    const literal = parseLiteralAt(inner, skipWhitespace(inner, i + 2));
    if (!literal.ok) return fail(`invalid default: ${literal.error.message}`, literal.error.position);
    fallback = { value: literal.value.value };
    i = skipWhitespace(inner, literal.value.end);
    if (i !== inner.length)
      return fail(`unexpected ${JSON.stringify(inner[i])} after the default literal`, i);
  }
  if (i !== inner.length) {
    if (inner.startsWith('?(', i) || inner.startsWith('(', i) || inner.startsWith('@', i))
      return fail(FILTER_DISABLED_MESSAGE, i);
    return fail(`unexpected ${JSON.stringify(inner[i])} in reference`, i);
  }
  return ok({ raw, ...parsed.value.target, ...(fallback ? { default: fallback } : {}) });
}

/** Parse the text between `${` and `}`; positions in errors count from the start of `inner`. */
export function parseReference(inner: string): Result<Reference, WeftError> {
  const raw = '${' + inner + '}';
  const parsed = parseReferenceBody(inner, raw);
  return parsed.ok ? parsed : err(invalidReference(raw, parsed.error));
}
