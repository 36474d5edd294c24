import { describe, expect, it } from 'vitest';
import { findCycles } from './graph-cycles';

const graph = (edges: Record<number, number[]>) => (v: number) => edges[v] ?? [];

describe('findCycles', () => {
  it('finds none in a DAG', () => {
    expect(findCycles(4, graph({ 0: [1, 2], 1: [3], 2: [3] }))).toEqual([]);
  });

  it('finds a self loop and a shortest cycle per component, starting at its smallest node', () => {
    expect(findCycles(6, graph({ 0: [0], 1: [2], 2: [3], 3: [1, 4], 4: [2], 5: [] }))).toEqual([
      [0],
      [1, 2, 3],
    ]);
  });

  it('handles long chains without recursion', () => {
    const n = 200_000;
    const cycles = findCycles(n, (v) => [(v + 1) % n]);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(n);
  });
});
