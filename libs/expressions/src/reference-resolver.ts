import { err, ok, WeftError, type Result } from '@weft/contracts';
import { invalidReference, referenceNotFound, showReference } from './expression-errors';
import { parseJsonPath, selectsMany } from './json-path';
import { selectAll } from './json-path-evaluator';
import type { Reference, ReferenceScope } from './reference';
import { isValidStepId } from './reference-parser';

type RootLookup =
  { readonly found: true; readonly value: unknown } | { readonly found: false; readonly reason: string };

const found = (value: unknown): RootLookup =>
  value === undefined ? { found: false, reason: 'value is absent' } : { found: true, value };
const absent = (reason: string): RootLookup => ({ found: false, reason });

/** The own `output` of a step entry; steps may be a proxy, so the entry is read, never enumerated. */
function stepOutput(scope: ReferenceScope, stepId: string): RootLookup {
  const entry: unknown = scope.steps?.[stepId];
  if (
    typeof entry !== 'object' ||
    entry === null ||
    !('output' in entry) ||
    !Object.hasOwn(entry, 'output') ||
    entry.output === undefined
  ) {
    return absent(`step '${stepId}' has no output yet`);
  }
  return found(entry.output);
}

/** The value a reference's root and field name, before its path; `undefined` for a malformed reference. */
function lookupRoot(ref: Reference, scope: ReferenceScope): RootLookup | undefined {
  const { field } = ref;
  switch (ref.root) {
    case 'workflow':
      if (field !== 'input') return undefined;
      return scope.workflow ? found(scope.workflow.input) : absent('no workflow input in scope');
    case 'step':
      if (field !== 'output' || ref.stepId === undefined || !isValidStepId(ref.stepId)) return undefined;
      return stepOutput(scope, ref.stepId);
    case 'loop':
      if (field !== 'item' && field !== 'index') return undefined;
      return scope.loop ? found(scope.loop[field]) : absent('not inside a loop');
    case 'branch':
      if (field !== 'name') return undefined;
      return scope.branch ? found(scope.branch.name) : absent('not inside a branch');
    case 'event':
      return field === undefined
        ? scope.event === undefined
          ? absent('no event in scope')
          : found(scope.event)
        : undefined;
    case 'run':
      if (field !== 'id' && field !== 'status' && field !== 'output') return undefined;
      return scope.run ? found(scope.run[field]) : absent('no run in scope');
    case 'state':
      if (field !== 'name') return undefined;
      return scope.state ? found(scope.state.name) : absent('no state in scope');
    case 'schedule':
      if (field !== 'fire_time') return undefined;
      return scope.schedule ? found(scope.schedule.fire_time) : absent('no schedule in scope');
    case 'now':
      return field === undefined ? found(scope.now) : undefined;
    default:
      return undefined;
  }
}

function missing(ref: Reference, reason: string): Result<unknown, WeftError> {
  return ref.default ? ok(ref.default.value) : err(referenceNotFound(ref.raw, reason));
}

/**
 * The value a reference names in `scope`. A path that can select several values (wildcard, `..`,
 * slice) yields the array of matches; otherwise the single value. Nothing selected is
 * REFERENCE_NOT_FOUND unless the reference has a `??` default.
 */
export function resolveReference(ref: Reference, scope: ReferenceScope): Result<unknown, WeftError> {
  const segments = parseJsonPath(ref.path);
  if (!segments.ok) return err(invalidReference(ref.raw, segments.error));
  const base = lookupRoot(ref, scope);
  if (base === undefined)
    return err(
      new WeftError(
        'INVALID_EXPRESSION',
        `invalid reference ${showReference(ref.raw)}: unknown root or field`,
      ),
    );
  if (!base.found) return missing(ref, base.reason);
  let matches: unknown[];
  try {
    matches = selectAll(segments.value, base.value);
  } catch (cause) {
    return err(
      new WeftError(
        'INVALID_EXPRESSION',
        `invalid reference ${showReference(ref.raw)}: path evaluation failed`,
        { cause },
      ),
    );
  }
  if (matches.length === 0) return missing(ref, `nothing at ${ref.path}`);
  return ok(selectsMany(segments.value) ? matches : matches[0]);
}
