import type {
  ChainEntry,
  SequentialDefinition,
  State,
  StateMachineDefinition,
  WorkflowDefinition,
} from './definition.schema';
import type {
  AgentStep,
  CacheConfig,
  CacheScope,
  ConditionalStep,
  EventSource,
  ForkJoinBranch,
  ForkJoinStep,
  JoinPolicy,
  LoopErrorPolicy,
  LoopExecutionMode,
  LoopStep,
  OnTimeoutAction,
  ParallelStep,
  Step,
  SubWorkflowStep,
  ValidationMode,
  ValidationStep,
  WaitForEventStep,
} from './step.schema';

/** Defaults of the format (SPEC §3), filled by `normalizeDefinition`. */
export const STEP_DEFAULTS = {
  type: 'agent',
  fail_fast: true,
  execution_mode: 'sequential',
  error_policy: 'stop',
  join_policy: 'ALL',
  source: 'webhook',
  on_timeout: 'fail',
  mode: 'strict',
  cache_scope: 'workflow',
} as const;

export type NormalizedCacheConfig = CacheConfig & { scope: CacheScope };
export type NormalizedAgentStep = Omit<AgentStep, 'type' | 'cache'> & {
  type: 'agent';
  cache?: NormalizedCacheConfig;
};
export type NormalizedParallelStep = Omit<ParallelStep, 'parallel_steps' | 'fail_fast'> & {
  parallel_steps: NormalizedStep[];
  fail_fast: boolean;
};
export type NormalizedConditionalStep = ConditionalStep;
export type NormalizedLoopStep = Omit<LoopStep, 'loop_step' | 'execution_mode' | 'error_policy'> & {
  loop_step: NormalizedStep;
  execution_mode: LoopExecutionMode;
  error_policy: LoopErrorPolicy;
};
export type NormalizedForkJoinBranch = Omit<ForkJoinBranch, 'steps'> & { steps: NormalizedStep[] };
export type NormalizedForkJoinStep = Omit<ForkJoinStep, 'branches' | 'join_policy'> & {
  branches: NormalizedForkJoinBranch[];
  join_policy: JoinPolicy;
};
export type NormalizedSubWorkflowStep = SubWorkflowStep;
export type NormalizedWaitForEventStep = WaitForEventStep & {
  source: EventSource;
  on_timeout: OnTimeoutAction;
};
export type NormalizedValidationStep = ValidationStep & { mode: ValidationMode };
export type NormalizedStep =
  | NormalizedAgentStep
  | NormalizedParallelStep
  | NormalizedConditionalStep
  | NormalizedLoopStep
  | NormalizedForkJoinStep
  | NormalizedSubWorkflowStep
  | NormalizedWaitForEventStep
  | NormalizedValidationStep;

export type NormalizedState = Omit<State, 'entry_action' | 'exit_action' | 'action' | 'terminal'> & {
  entry_action?: NormalizedStep;
  exit_action?: NormalizedStep;
  action?: NormalizedStep;
  terminal: boolean;
};
export type NormalizedSequentialDefinition = Omit<SequentialDefinition, 'type' | 'steps'> & {
  type: 'sequential';
  steps: NormalizedStep[];
};
export type NormalizedStateMachineDefinition = Omit<StateMachineDefinition, 'states'> & {
  states: Record<string, NormalizedState>;
};
export type NormalizedDefinition = NormalizedSequentialDefinition | NormalizedStateMachineDefinition;
export type { ChainEntry };

/**
 * A copy of a valid definition with every default written out: definition `type`, step `type`,
 * `fail_fast`, `execution_mode`, `error_policy`, `join_policy`, wait `source` and `on_timeout`,
 * validation `mode`, cache `scope`, state `terminal`. `retry_config` is left as written: what it
 * omits comes from the agent's registration. The input is not modified.
 */
export function normalizeDefinition(def: WorkflowDefinition): NormalizedDefinition {
  if (def.type === 'state_machine') {
    const states: Record<string, NormalizedState> = {};
    const copy = structuredClone(def);
    for (const [name, state] of Object.entries(copy.states)) states[name] = normalizeState(state);
    return { ...copy, states };
  }
  const copy = structuredClone(def);
  return { ...copy, type: 'sequential', steps: copy.steps.map(fillStepDefaults) };
}

function normalizeState(state: State): NormalizedState {
  const { entry_action, exit_action, action, ...rest } = state;
  return {
    ...rest,
    ...(entry_action === undefined ? {} : { entry_action: fillStepDefaults(entry_action) }),
    ...(action === undefined ? {} : { action: fillStepDefaults(action) }),
    ...(exit_action === undefined ? {} : { exit_action: fillStepDefaults(exit_action) }),
    terminal: state.terminal ?? false,
  };
}

/** One step (and its nested steps) with defaults filled; a new object. */
export function normalizeStep(step: Step): NormalizedStep {
  return fillStepDefaults(structuredClone(step));
}

/** Fills defaults into a step the caller owns (a fresh copy). */
function fillStepDefaults(copy: Step): NormalizedStep {
  switch (copy.type) {
    case undefined:
    case 'agent': {
      const { cache, ...rest } = copy;
      return {
        ...rest,
        type: 'agent',
        ...(cache === undefined
          ? {}
          : { cache: { ...cache, scope: cache.scope ?? STEP_DEFAULTS.cache_scope } }),
      };
    }
    case 'parallel':
      return {
        ...copy,
        parallel_steps: copy.parallel_steps.map(fillStepDefaults),
        fail_fast: copy.fail_fast ?? STEP_DEFAULTS.fail_fast,
      };
    case 'loop':
      return {
        ...copy,
        loop_step: fillStepDefaults(copy.loop_step),
        execution_mode: copy.execution_mode ?? STEP_DEFAULTS.execution_mode,
        error_policy: copy.error_policy ?? STEP_DEFAULTS.error_policy,
      };
    case 'fork_join':
      return {
        ...copy,
        branches: copy.branches.map((b) => ({ ...b, steps: b.steps.map(fillStepDefaults) })),
        join_policy: copy.join_policy ?? STEP_DEFAULTS.join_policy,
      };
    case 'wait_for_event':
      return {
        ...copy,
        source: copy.source ?? STEP_DEFAULTS.source,
        on_timeout: copy.on_timeout ?? STEP_DEFAULTS.on_timeout,
      };
    case 'validation':
      return { ...copy, mode: copy.mode ?? STEP_DEFAULTS.mode };
    case 'conditional':
    case 'sub_workflow':
      return copy;
  }
}
