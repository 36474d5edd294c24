import type { ErrorInfo, NewEvent, RunEvent } from '@weft/contracts';
import type { NormalizedDefinition } from '@weft/workflow';
import { evolve } from './evolve';
import type { DecideContext, RunState } from './run-state';

/**
 * A decision in progress. Deciders emit events one at a time; each is stamped (run_id, the next
 * seq, ctx.now) and evolved into the state at once, so the next decision sees its effect. The
 * events emitted, replayed through `evolve`, give exactly the state this leaves.
 */
export class Decision {
  readonly events: RunEvent[] = [];
  #state: RunState | undefined;

  constructor(
    state: RunState | undefined,
    readonly runId: string,
    readonly ctx: DecideContext,
  ) {
    this.#state = state;
  }

  get state(): RunState {
    if (!this.#state) throw new Error('no run state yet');
    return this.#state;
  }

  get maybeState(): RunState | undefined {
    return this.#state;
  }

  /**
   * Decide on a state rebuilt from the run's events (a re-drive of an ended run, whose state the
   * scheduler keeps only as a stub). Only before anything is emitted.
   */
  rebuiltFrom(state: RunState): void {
    if (this.events.length > 0) throw new Error('state replaced after events were emitted');
    this.#state = state;
  }

  get def(): NormalizedDefinition {
    const def = this.state.definition;
    if (!def) throw new Error('run has no definition');
    return def;
  }

  readonly #queue: (() => void)[] = [];

  /**
   * Run `work` after the current step of the decision: container notifications go through this
   * queue, so a chain of steps that finish at once (10,000 failing loop iterations) runs
   * iteratively, never as deep recursion.
   */
  later(work: () => void): void {
    this.#queue.push(work);
  }

  drain(): void {
    for (let work = this.#queue.shift(); work; work = this.#queue.shift()) work();
  }

  emit(event: NewEvent): void {
    const stamped = {
      ...event,
      run_id: this.runId,
      seq: (this.#state?.seq ?? 0) + 1,
      recorded_at: this.ctx.now,
    } as RunEvent;
    this.events.push(stamped);
    this.#state = evolve(this.#state, stamped);
  }
}

/** What a finished step execution gave its container. */
export type Outcome =
  | {
      readonly ok: true;
      readonly output: unknown;
      /** A conditional's branch target: where its sequence goes next. */
      readonly jumpTo?: string;
      /** What the next step of the sequence receives when it has no input_mapping, if not `output`. */
      readonly passOn?: { readonly value: unknown };
    }
  | { readonly ok: false; readonly error: ErrorInfo };
