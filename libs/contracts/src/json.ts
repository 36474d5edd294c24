import { z } from 'zod';

/** Any JSON value. Kept as `unknown` in types: consumers narrow it where they use it. */
export const JsonValueSchema = z.unknown();
export const JsonObjectSchema = z.record(z.string(), z.unknown());
export type JsonObject = z.infer<typeof JsonObjectSchema>;
export const IsoTimestampSchema = z.iso.datetime({ offset: true });
