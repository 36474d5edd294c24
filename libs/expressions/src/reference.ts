/** What a reference may read: the values a run exposes at the point a mapping is resolved. */
export interface ReferenceScope {
  readonly workflow?: { readonly input: unknown };
  /** Step results by step id; a step without `output` has not produced one yet. */
  readonly steps?: Readonly<Record<string, { readonly output?: unknown } | undefined>>;
  readonly loop?: { readonly item: unknown; readonly index: number };
  readonly branch?: { readonly name: string };
  readonly event?: unknown;
  readonly run?: { readonly id: string; readonly status?: string; readonly output?: unknown };
  readonly state?: { readonly name: string };
  readonly schedule?: { readonly fire_time: string };
  readonly now?: string;
}

export const REFERENCE_ROOTS = [
  'workflow',
  'step',
  'loop',
  'branch',
  'event',
  'run',
  'state',
  'schedule',
  'now',
] as const;
export type ReferenceRoot = (typeof REFERENCE_ROOTS)[number];

/** Root words that name a scope, so they can never be step ids. */
export const RESERVED_ROOT_WORDS: ReadonlySet<string> = new Set(REFERENCE_ROOTS.filter((r) => r !== 'step'));

/** One parsed `${...}` reference. */
export interface Reference {
  /** The reference as written, `${` and `}` included: used in every error message. */
  readonly raw: string;
  readonly root: ReferenceRoot;
  /** Set when `root` is `'step'`. */
  readonly stepId?: string;
  /** The field under the root: 'input', 'output', 'item', 'index', 'name', 'id', 'status', 'fire_time'. */
  readonly field?: string;
  /** Normalised JSONPath below root/field; `'$'` when there is none. */
  readonly path: string;
  /** The literal of `${ref ?? default}`, used when the reference finds nothing. */
  readonly default?: { readonly value: unknown };
}

export type TemplatePart =
  { readonly kind: 'text'; readonly text: string } | { readonly kind: 'ref'; readonly ref: Reference };

/** A syntax problem located by a character offset into the text being parsed. */
export interface ParseFailure {
  readonly message: string;
  readonly position: number;
}
