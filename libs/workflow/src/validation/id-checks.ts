import { PROTOTYPE_STEP_IDS, RESERVED_STEP_IDS } from '../identifiers';
import { detail, type ValidationDetail } from './validation-detail';

/**
 * Step ids are unique across the whole definition and are not reference roots or prototype
 * names. Takes steps in document order; non-string ids (a schema error) are skipped, so this can
 * run on a raw definition too.
 */
export function checkStepIds(
  steps: readonly { readonly step: unknown; readonly pointer: string }[],
): ValidationDetail[] {
  const errors: ValidationDetail[] = [];
  const first = new Map<string, string>();
  for (const { step, pointer } of steps) {
    const id = typeof step === 'object' && step !== null && 'id' in step ? step.id : undefined;
    if (typeof id !== 'string') continue;
    const idPointer = `${pointer}/id`;
    if (RESERVED_STEP_IDS.has(id)) {
      errors.push(
        detail(idPointer, 'reserved_id', `"${id}" is reserved: references start with it (\${${id}...})`),
      );
    } else if (PROTOTYPE_STEP_IDS.has(id)) {
      errors.push(
        detail(idPointer, 'reserved_id', `"${id}" is reserved: it names an object prototype property`),
      );
    }
    const firstPointer = first.get(id);
    if (firstPointer === undefined) first.set(id, idPointer);
    else
      errors.push(
        detail(idPointer, 'duplicate_id', `duplicate step id "${id}" (first defined at ${firstPointer})`),
      );
  }
  return errors;
}
