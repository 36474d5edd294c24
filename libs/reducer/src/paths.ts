/**
 * Step paths address every execution (ARCHITECTURE: `loop-1[3]/enrich`, `fork/branch-a/step-2`):
 * top level `id`; a parallel child `<parent>/<id>`; a loop body `<loop>[<i>]/<id>`; a fork-join
 * branch step `<fork>/<branch>/<id>`.
 */
export const childPath = (parent: string | undefined, id: string): string =>
  parent === undefined ? id : `${parent}/${id}`;
export const iterationPath = (loop: string, index: number, bodyId: string): string =>
  `${loop}[${index}]/${bodyId}`;
export const branchStepPath = (fork: string, branch: string, id: string): string => `${fork}/${branch}/${id}`;

/** The loop-iteration prefixes of a path, innermost first, ending with '' (the run scope). */
export function iterationScopes(path: string): string[] {
  const scopes: string[] = [];
  for (let i = path.length - 1; i >= 0; i--) {
    if (path[i] === ']' && (i === path.length - 1 || path[i + 1] === '/')) scopes.push(path.slice(0, i + 1));
  }
  scopes.push('');
  return scopes;
}

/** The key under which an execution's output is kept for references. */
export const outputKey = (path: string, stepId: string): string => `${iterationScopes(path)[0]}|${stepId}`;

/** Timer ids: deterministic, so a repeated request is the same timer. */
export const timerId = (path: string, purpose: string, attempt = 1): string =>
  `${path}#${attempt}#${purpose}`;
export const RUN_TIMER_ID = 'run#run_timeout';
