import type { RedriveStep } from '@weft/contracts';
import { stepById } from './definition-index';
import { replay } from './evolve';
import type { Decision } from './run-context';
import { scheduled } from './steps/agent.step';
import { requestStepTimer } from './steps/lifecycle';

/**
 * F7 DLQ replay in mode `step`: the agent step that failed a FAILED run runs again, with a fresh
 * retry budget, and the run goes on from there as if the step had not failed. Only that step: the
 * run's error must name it and it must sit at the top level (a failure inside a container failed
 * the container, whose own state is over). The run's events come with the command because the
 * scheduler keeps only a stub of an ended run; they must end exactly where the run's state ends.
 * A second re-drive of the same DLQ entry decides to nothing; any other refusal is CommandRejected.
 */
export function decideRedrive(d: Decision, cmd: RedriveStep): void {
  const current = d.maybeState;
  if (!current) return; // no run: nothing to record the refusal on
  if (current.redriven?.includes(cmd.entry_id)) return;
  const reject = (reason: string) =>
    d.emit({
      type: 'CommandRejected',
      step_path: cmd.step_path,
      data: {
        command_type: cmd.type,
        ...(cmd.command_id !== undefined ? { command_id: cmd.command_id } : {}),
        reason,
      },
    });
  if (current.status !== 'FAILED') return reject(`run is ${current.status}, not FAILED`);
  if (!current.definition) {
    const rebuilt = cmd.history.length > 0 ? replay(cmd.history) : undefined;
    if (!rebuilt || rebuilt.run_id !== current.run_id || rebuilt.seq !== current.seq)
      return reject(`the history sent does not end at the run's last event (seq ${current.seq})`);
    d.rebuiltFrom(rebuilt);
  }
  const state = d.state;
  if (state.redriven?.includes(cmd.entry_id)) return;
  if (!state.definition) return reject('the run has no valid definition');
  const step = state.steps[cmd.step_path];
  if (!step || step.step_type !== 'agent' || (step.status !== 'FAILED' && step.status !== 'TIMED_OUT'))
    return reject(`step ${cmd.step_path} is not a failed agent step of this run`);
  if (step.parent !== undefined || state.error?.step_path !== cmd.step_path)
    return reject(
      `step ${cmd.step_path} is not the step that failed the run (${state.error?.step_path ?? 'none'})`,
    );
  const def = stepById(state.definition, step.step_id)?.step;
  if (def?.type !== 'agent') return reject(`step ${cmd.step_path} is not an agent step`);
  const base = step.attempt;
  d.emit({
    type: 'StepRedriven',
    step_path: cmd.step_path,
    data: { step_id: step.step_id, entry_id: cmd.entry_id, attempt_base: base },
  });
  d.emit(scheduled(d.runId, def, cmd.step_path, {}, step.input ?? null, base + 1));
  requestStepTimer(d, def, cmd.step_path, base + 1);
}
