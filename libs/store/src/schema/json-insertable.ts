import type { Insertable, Updateable } from 'kysely';
import type { JsonInput, JsonText } from './json';

type JsonTextToInput<T> = T extends JsonText ? JsonInput : T;

/**
 * `Insertable<T>` with JSON columns taking plain values: what repository callers pass. The
 * repository serialises them with `toJsonText` (the raw Kysely types demand `JsonText`).
 */
export type JsonInsertable<T> = { [K in keyof Insertable<T>]: JsonTextToInput<Insertable<T>[K]> };

/** `Updateable<T>` with JSON columns taking plain values. */
export type JsonUpdateable<T> = { [K in keyof Updateable<T>]: JsonTextToInput<Updateable<T>[K]> };
