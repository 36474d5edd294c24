import { WeftError, type ErrorDetail } from '@weft/contracts';
import type { WorkflowDefinition } from './definition.schema';
import { stepType, walkSteps } from './walk';

/**
 * Whether an engine supporting `supportedTypes` (step types, plus `state_machine` for state
 * machine definitions) can run this definition: null, or NOT_SUPPORTED_YET naming every
 * unsupported type, with a detail per step (pointer to its `type`, or to the step when omitted).
 */
export function checkRunnable(
  def: WorkflowDefinition,
  supportedTypes: ReadonlySet<string>,
): WeftError | null {
  const details: ErrorDetail[] = [];
  const missing: string[] = [];
  const note = (type: string, pointer: string, message: string): void => {
    if (!missing.includes(type)) missing.push(type);
    details.push({ pointer, message, code: 'not_supported' });
  };
  if (def.type === 'state_machine' && !supportedTypes.has('state_machine')) {
    note('state_machine', '/type', 'state machine definitions are not supported yet');
  }
  walkSteps(def, (step, pointer) => {
    const type = stepType(step);
    if (!supportedTypes.has(type)) {
      note(
        type,
        step.type === undefined ? pointer : `${pointer}/type`,
        `step "${step.id}": type ${type} is not supported yet`,
      );
    }
  });
  if (details.length === 0) return null;
  return new WeftError('NOT_SUPPORTED_YET', `not supported yet: ${missing.join(', ')}`, { details });
}
