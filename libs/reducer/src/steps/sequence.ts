import { resolveMapping } from '@weft/expressions';
import { nextInSequence, stepById } from '../definition-index';
import type { Decision, Outcome } from '../run-context';
import { scopeFor } from '../scope';
import { registerContainer } from './lifecycle';
import { startStep } from './start-step';

/**
 * The run's top-level sequence: after a step, control passes to a conditional's branch, the step's
 * `next_step` (null ends the run), or the next step; after the last, the run completes with its
 * `output_mapping` (or the last step's output). A top-level step that fails fails the run.
 */
registerContainer('top', {
  childFinished(d: Decision, _parent: string, path: string, outcome: Outcome) {
    if (d.state.status !== 'RUNNING') return;
    if (!outcome.ok) return failRun(d, outcome.error);
    const step = d.state.steps[path];
    const entry = step && stepById(d.def, step.step_id);
    if (entry?.owner.kind !== 'top') return;
    const next = nextInSequence(entry.owner.list, entry.owner.position, d.def, outcome.jumpTo);
    if (!next) return completeRun(d);
    startStep(d, next, next.id, {}, d.state.last_output);
  },
  cancelChildren() {},
});

export function failRun(d: Decision, error: Extract<Outcome, { ok: false }>['error']): void {
  const correlation = d.state.correlation_id !== undefined ? { correlation_id: d.state.correlation_id } : {};
  d.emit({ type: 'RunFailed', data: { error, ...correlation } });
}

function completeRun(d: Decision): void {
  const correlation = d.state.correlation_id !== undefined ? { correlation_id: d.state.correlation_id } : {};
  const mapping = d.def.output_mapping;
  if (mapping === undefined) {
    d.emit({ type: 'RunCompleted', data: { output: d.state.last_output, ...correlation } });
    return;
  }
  const resolved = resolveMapping(mapping, scopeFor(d.state, undefined));
  if (!resolved.ok)
    return failRun(d, { kind: 'MAPPING_FAILED', message: `output_mapping: ${resolved.error.message}` });
  d.emit({ type: 'RunCompleted', data: { output: resolved.value, ...correlation } });
}
