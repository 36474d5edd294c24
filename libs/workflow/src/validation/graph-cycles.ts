/**
 * Cycles of a directed graph over nodes 0..n-1: one cycle per strongly connected component that
 * has one (several nodes, or a node with an edge to itself). Iterative, so deep graphs cannot
 * exhaust the stack. Each cycle starts at its component's smallest node and is a shortest cycle
 * through it.
 */
export function findCycles(n: number, successors: (node: number) => readonly number[]): number[][] {
  const order = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const cycles: number[][] = [];
  let counter = 0;

  const enter = (v: number): void => {
    order[v] = low[v] = counter++;
    stack.push(v);
    onStack[v] = true;
  };

  for (let root = 0; root < n; root++) {
    if (order[root] !== -1) continue;
    enter(root);
    const work: { v: number; next: number }[] = [{ v: root, next: 0 }];
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const succ = successors(frame.v);
      if (frame.next < succ.length) {
        const w = succ[frame.next++]!;
        if (order[w] === -1) {
          enter(w);
          work.push({ v: w, next: 0 });
        } else if (onStack[w]) {
          low[frame.v] = Math.min(low[frame.v]!, order[w]!);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low[parent.v] = Math.min(low[parent.v]!, low[frame.v]!);
      if (low[frame.v] !== order[frame.v]) continue;
      const component: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = false;
        component.push(w);
      } while (w !== frame.v);
      const cyclic = component.length > 1 || successors(frame.v).includes(frame.v);
      if (cyclic)
        cycles.push(
          shortestCycle(
            component.reduce((a, b) => Math.min(a, b)),
            new Set(component),
            successors,
          ),
        );
    }
  }
  return cycles.sort((a, b) => a[0]! - b[0]!);
}

/** Breadth-first from `start` back to itself, staying inside `members`. */
function shortestCycle(
  start: number,
  members: ReadonlySet<number>,
  successors: (node: number) => readonly number[],
): number[] {
  const parent = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (const w of successors(v)) {
      if (w === start) {
        const path = [v];
        while (path[path.length - 1] !== start) path.push(parent.get(path[path.length - 1]!)!);
        return path.reverse();
      }
      if (members.has(w) && !parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}
