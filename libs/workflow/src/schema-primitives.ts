import { z } from 'zod';
import { NAME_PATTERN, NAME_PATTERN_MESSAGE, STEP_ID_PATTERN, STEP_ID_PATTERN_MESSAGE } from './identifiers';

/** Building blocks shared by the definition and agent schemas. */
export const PositiveIntSchema = z.int().positive();
export const NonNegativeIntSchema = z.int().nonnegative();

export const NameSchema = z.string().regex(NAME_PATTERN, NAME_PATTERN_MESSAGE);
export const StepIdSchema = z.string().regex(STEP_ID_PATTERN, STEP_ID_PATTERN_MESSAGE);

/** Any JSON value. `validateDefinition` checks that the input is plain JSON before parsing. */
export const JsonValueSchema = z.unknown();

/**
 * A mapping template: any JSON; strings may hold `${...}` references (SPEC §4), applied
 * recursively inside objects and arrays.
 */
export const MappingSchema = z.unknown().meta({
  description: 'Any JSON; strings may contain ${...} references, resolved recursively.',
});

/** A JSON Schema (draft 2020-12) given as an object; whether it compiles is checked by validateDefinition. */
export const JsonSchemaObjectSchema = z.record(z.string(), z.unknown()).meta({
  id: 'JsonSchemaObject',
  description: 'A JSON Schema (draft 2020-12) object.',
});

/** A condition expression (SPEC §4), checked by the condition language, not by the schema. */
export const ConditionSchema = z.string().meta({
  description: 'A condition: literals, ${...} references, == != > < >= <=, in, contains, and, or, not.',
});
