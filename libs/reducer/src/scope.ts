import type { ReferenceScope } from '@weft/expressions';
import type { LoopFrame, RunState } from './run-state';

/** Where an execution sits (a step state has these; a step about to start is described by them). */
export interface Placement {
  readonly parent?: string;
  readonly iteration?: number;
  readonly branch?: string;
}
import { iterationScopes } from './paths';

/**
 * The reference scope of a step execution at `path`: the run's input, the outputs visible from
 * that path (a reference to a step inside the same loop iteration reads that iteration's
 * execution), the innermost loop's item and index, and the enclosing branch's name.
 */
export function scopeFor(
  state: RunState,
  path: string | undefined,
  placement?: Placement,
  extra: { event?: unknown } = {},
): ReferenceScope {
  const scopes = path === undefined ? [''] : iterationScopes(path);
  const steps = new Proxy({} as Record<string, { output?: unknown }>, {
    get(_target, id) {
      if (typeof id !== 'string') return undefined;
      for (const scope of scopes) {
        const key = `${scope}|${id}`;
        if (Object.hasOwn(state.outputs, key)) return { output: state.outputs[key] };
      }
      return undefined;
    },
  });
  const scope: {
    workflow: { input: unknown };
    run: { id: string; status: string; output?: unknown };
    steps: typeof steps;
    loop?: { item: unknown; index: number };
    branch?: { name: string };
    event?: unknown;
  } = {
    workflow: { input: state.input },
    run: {
      id: state.run_id,
      status: state.status,
      ...(state.output !== undefined ? { output: state.output } : {}),
    },
    steps,
  };
  // Walk up the containers for the innermost loop iteration and branch.
  let current: Placement | undefined = placement ?? (path === undefined ? undefined : state.steps[path]);
  while (current && (scope.loop === undefined || scope.branch === undefined)) {
    const parent = current.parent === undefined ? undefined : state.steps[current.parent];
    if (scope.loop === undefined && current.iteration !== undefined && parent?.frame?.kind === 'loop') {
      scope.loop = { item: (parent.frame as LoopFrame).items[current.iteration], index: current.iteration };
    }
    if (scope.branch === undefined && current.branch !== undefined) scope.branch = { name: current.branch };
    current = parent;
  }
  if (extra.event !== undefined) scope.event = extra.event;
  return scope;
}
