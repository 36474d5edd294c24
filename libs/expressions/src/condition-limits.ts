/** Bounds that keep hostile conditions from costing time, memory or stack. */

/** Longest condition source, checked before anything parses it. */
export const MAX_CONDITION_LENGTH = 10_000;

/** Deepest nesting: parentheses, brackets, `not` and `-` chains, and syntax-tree depth. */
export const MAX_CONDITION_DEPTH = 64;

/** Most syntax-tree nodes in one condition. */
export const MAX_CONDITION_NODES = 1_000;
