/** Bounds that keep hostile definitions from costing time or memory. */

/** Longest string that may contain references (`${`); plain text without `${` is not bounded here. */
export const MAX_TEMPLATE_LENGTH = 10_000;

/** Longest single reference, counted between `${` and `}`. */
export const MAX_REFERENCE_LENGTH = 1_000;

/** Deepest nesting of objects/arrays that a mapping may have. */
export const MAX_MAPPING_DEPTH = 256;

/** Largest index or slice bound accepted in a path (keeps parseInt exact). */
export const MAX_INDEX_DIGITS = 15;
