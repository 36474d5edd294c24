import type { Command, RunEvent, StartRun } from '@weft/contracts';
import { decide } from '../decider';
import type { RunState } from '../run-state';

export const RUN = '00000000-0000-4000-8000-000000000001';
export const T0 = '2026-01-01T00:00:00.000Z';

/**
 * Drives one run through decide as the scheduler does, keeping every event: for specs that follow
 * a run through many commands.
 */
export class RunDriver {
  state: RunState | undefined;
  readonly events: RunEvent[] = [];
  now = T0;

  constructor(
    readonly definition: Record<string, unknown>,
    input: unknown = {},
    agents?: StartRun['agents'],
  ) {
    this.send({
      ...(agents ? { agents } : {}),
      type: 'StartRun',
      run_id: RUN,
      workflow_id: String(definition.workflow_id),
      version: 1,
      definition,
      input,
      requested_at: T0,
    } satisfies StartRun);
  }

  send(command: Command): RunEvent[] {
    const decided = decide(this.state, command, { now: this.now });
    this.state = decided.state;
    this.events.push(...decided.events);
    return decided.events;
  }

  ok(path: string, output: unknown, attempt = 1): RunEvent[] {
    return this.send({
      type: 'ReportStepResult',
      run_id: RUN,
      step_path: path,
      attempt,
      invocation_id: `${RUN}/${path}#${attempt}`,
      outcome: { ok: true, output },
      reported_at: this.now,
    });
  }

  fail(path: string, kind = 'http_400', attempt = 1): RunEvent[] {
    return this.send({
      type: 'ReportStepResult',
      run_id: RUN,
      step_path: path,
      attempt,
      invocation_id: `${RUN}/${path}#${attempt}`,
      outcome: { ok: false, error: { kind, message: `${kind} at ${path}` } },
      reported_at: this.now,
    });
  }

  fire(timerId: string): RunEvent[] {
    return this.send({ type: 'FireTimer', run_id: RUN, timer_id: timerId, fired_at: this.now });
  }

  /** Paths of agent steps dispatched and still running, in dispatch order. */
  running(): string[] {
    return this.events
      .filter((e) => e.type === 'StepScheduled')
      .map((e) => e.step_path!)
      .filter((p, i, all) => all.indexOf(p) === i && this.state?.steps[p]?.status === 'RUNNING');
  }

  types(events: readonly RunEvent[] = this.events): string[] {
    return events.map((e) => (e.step_path ? `${e.type}:${e.step_path}` : e.type));
  }

  get status() {
    return this.state?.status;
  }
}
