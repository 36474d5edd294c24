import { WeftError } from '@weft/contracts';
import type { ParseFailure } from './reference';

const SHOWN_REFERENCE_LENGTH = 120;

/** A reference as it appears in a message, cut short when hostile input makes it long. */
export function showReference(raw: string): string {
  return raw.length <= SHOWN_REFERENCE_LENGTH ? raw : `${raw.slice(0, SHOWN_REFERENCE_LENGTH)}…`;
}

export function invalidReference(raw: string, failure: ParseFailure): WeftError {
  return new WeftError(
    'INVALID_EXPRESSION',
    `invalid reference ${showReference(raw)}: ${failure.message} at position ${failure.position}`,
  );
}

export function invalidTemplate(failure: ParseFailure): WeftError {
  return new WeftError(
    'INVALID_EXPRESSION',
    `invalid template: ${failure.message} at position ${failure.position}`,
  );
}

export function referenceNotFound(raw: string, reason: string): WeftError {
  return new WeftError('REFERENCE_NOT_FOUND', `reference ${showReference(raw)} not found: ${reason}`);
}
