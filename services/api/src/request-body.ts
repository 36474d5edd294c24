import { WeftError, toPointer } from '@weft/contracts';
import type { Context } from 'hono';
import type { z } from 'zod';

/**
 * Read and validate a JSON body: malformed JSON → INVALID_JSON (400), schema mismatch →
 * VALIDATION_FAILED (400) with every problem and its JSON pointer. The size limit is enforced
 * before this by the body-limit middleware (413).
 */
export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const raw = await readJson(c);
  return parseWith(schema, raw, 'request body');
}

export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '')
    throw new WeftError('INVALID_JSON', 'request body is empty; a JSON document is expected');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new WeftError('INVALID_JSON', `request body is not valid JSON: ${(e as Error).message}`);
  }
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((i) => ({
    pointer: toPointer(i.path),
    message: i.message,
    code: i.code,
  }));
  throw new WeftError('VALIDATION_FAILED', `${what} is invalid: ${details.length} error(s)`, { details });
}
