import type { z } from 'zod';
import { WeftError, toPointer, type Result, ok, err } from './errors';
import { CommandSchema, type Command } from './commands';
import { RunEventSchema, type RunEvent } from './events';

/** Largest record value we accept from a log (bytes of UTF-8 JSON). */
export const MAX_RECORD_BYTES = 4 * 1024 * 1024;

/**
 * Decode a record value (JSON text) with a schema: never throws, never casts (STYLE 7).
 * Failures say why, with the JSON pointer of each problem, so the record can be dead-lettered.
 */
export function decodeWith<S extends z.ZodType>(schema: S, text: string): Result<z.infer<S>, WeftError> {
  const raw = parseRecord(text);
  return raw.ok ? validate(schema, raw.value) : raw;
}

/** The record's JSON, or why it is not (too large, not JSON). */
function parseRecord(text: string): Result<unknown, WeftError> {
  if (text.length > MAX_RECORD_BYTES) {
    return err(
      new WeftError('PAYLOAD_TOO_LARGE', `record of ${text.length} bytes exceeds ${MAX_RECORD_BYTES}`),
    );
  }
  try {
    return ok(JSON.parse(text));
  } catch (e) {
    return err(new WeftError('INVALID_JSON', `record is not JSON: ${(e as Error).message}`));
  }
}

function validate<S extends z.ZodType>(schema: S, raw: unknown): Result<z.infer<S>, WeftError> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ pointer: toPointer(i.path), message: i.message }));
    const first = details[0];
    return err(
      new WeftError(
        'VALIDATION_FAILED',
        `record does not match schema${first ? `: ${first.pointer || '/'} ${first.message}` : ''}`,
        {
          details,
        },
      ),
    );
  }
  return ok(parsed.data);
}

export const decodeCommand = (text: string): Result<Command, WeftError> => decodeWith(CommandSchema, text);
export const decodeEvent = (text: string): Result<RunEvent, WeftError> => decodeWith(RunEventSchema, text);

/**
 * Decode an event a consumer acts on, and only those: a JSON object whose `type` is a string not
 * in `types` is `undefined`, unchecked (most consumers act on a few types; the projection writer
 * checks, and parks, every event). Anything else is decoded as `decodeEvent` does.
 *
 * `headerType` is the record's `event_type` header (`HEADERS.eventType`), which the step scheduler
 * writes on every event: when it names a type not in `types`, the record is skipped without being
 * parsed at all. Records without it (written before the header existed) are parsed to find out.
 */
export function decodeEventOfTypes(
  text: string,
  types: ReadonlySet<string>,
  headerType?: string,
): Result<RunEvent, WeftError> | undefined {
  if (headerType !== undefined && !types.has(headerType)) return undefined;
  const raw = parseRecord(text);
  if (!raw.ok) return raw;
  const type =
    typeof raw.value === 'object' && raw.value !== null ? (raw.value as { type?: unknown }).type : undefined;
  if (typeof type === 'string' && !types.has(type)) return undefined;
  return validate(RunEventSchema, raw.value);
}
