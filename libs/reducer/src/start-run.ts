import type { EventOf, StartRun } from '@weft/contracts';
import { checkRunnable, validateDefinition } from '@weft/workflow';
import { firstStep } from './definition-index';
import { RUN_TIMER_ID } from './paths';
import type { Decision } from './run-context';
import { startStep } from './steps/start-step';
import { failRun } from './steps/sequence';
import { addSeconds } from './time';

/** Step types the reducer executes today; others are refused at run start with NOT_SUPPORTED_YET. */
export const SUPPORTED_STEP_TYPES: ReadonlySet<string> = new Set([
  'agent',
  'conditional',
  'parallel',
  'loop',
  'fork_join',
]);

/**
 * StartRun: a duplicate start (same run id, e.g. a repeated idempotency key) decides to nothing.
 * A definition that is invalid or uses unsupported step types starts and fails at once, so the
 * run and its reason are visible to whoever started it.
 */
export function decideStartRun(d: Decision, cmd: StartRun): void {
  if (d.maybeState) return;
  const data: EventOf<'RunStarted'>['data'] = {
    workflow_id: cmd.workflow_id,
    version: cmd.version,
    definition: cmd.definition,
    input: cmd.input,
    ...(cmd.idempotency_key !== undefined ? { idempotency_key: cmd.idempotency_key } : {}),
    ...(cmd.correlation_id !== undefined ? { correlation_id: cmd.correlation_id } : {}),
    ...(cmd.parent_run_id !== undefined ? { parent_run_id: cmd.parent_run_id } : {}),
    root_run_id: cmd.root_run_id ?? cmd.run_id,
    nesting_level: cmd.nesting_level ?? 0,
    ...(cmd.triggered_by_run_id !== undefined ? { triggered_by_run_id: cmd.triggered_by_run_id } : {}),
    chain_sequence: cmd.chain_sequence ?? 0,
    ...(cmd.agents !== undefined ? { agents: cmd.agents } : {}),
    requested_at: cmd.requested_at,
  };
  d.emit({ type: 'RunStarted', data });
  const valid = validateDefinition(cmd.definition);
  if (!valid.ok)
    return failRun(d, { kind: valid.error.code, message: valid.error.message, details: valid.error.details });
  const def = d.def;
  const unsupported = checkRunnable(def, SUPPORTED_STEP_TYPES);
  if (unsupported)
    return failRun(d, { kind: unsupported.code, message: unsupported.message, details: unsupported.details });
  const first = firstStep(def);
  if (!first) return failRun(d, { kind: 'VALIDATION_FAILED', message: 'workflow has no step to start' });
  if (def.timeout_seconds !== undefined) {
    d.emit({
      type: 'TimerRequested',
      data: {
        timer_id: RUN_TIMER_ID,
        purpose: 'run_timeout',
        fire_at: addSeconds(d.ctx.now, def.timeout_seconds),
      },
    });
  }
  startStep(d, first, first.id, {}, cmd.input);
}
