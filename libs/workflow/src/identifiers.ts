import { RESERVED_ROOT_WORDS } from '@weft/expressions';
/**
 * Names and limits of the definition format (SPEC §3).
 *
 * Workflow ids and agent names are free-form names. Step ids, fork-join branch names and state
 * names appear inside references (`${<step_id>.output}`) and step paths (`fork/branch-a/step-2`,
 * `loop-1[3]/enrich`), so they may not contain `.`, `/`, `[` or `]`.
 */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
export const NAME_PATTERN_MESSAGE =
  'must be 1-128 characters: a letter or digit, then letters, digits, "_", "." or "-"';

export const STEP_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,127}$/;
export const STEP_ID_PATTERN_MESSAGE =
  'must be 1-128 characters: a letter or "_", then letters, digits, "_" or "-"';

/** Roots of references (SPEC §4): a step with one of these ids could not be referenced. */
export const RESERVED_STEP_IDS: ReadonlySet<string> = RESERVED_ROOT_WORDS;

/** Names that would reach an object's prototype: refused as step, branch and state names. */
export const PROTOTYPE_STEP_IDS: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

/** At most this many steps in one definition, nested steps included. */
export const MAX_STEPS = 10_000;
/** Steps nest (parallel, loop, fork-join) at most this deep; top-level steps are at depth 1. */
export const MAX_STEP_DEPTH = 32;
/** Any JSON value in a definition nests at most this deep (guards every recursive walker). */
export const MAX_JSON_DEPTH = 256;
