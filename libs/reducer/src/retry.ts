import type { ErrorInfo, FireTimer } from '@weft/contracts';
import { effectiveRetry, isRetryable, retryDelayMs, type RetryConfig } from '@weft/resilience';
import type { NormalizedAgentStep } from '@weft/workflow';
import { deadLetter } from './dead-letter';
import { stepById } from './definition-index';
import { timerId } from './paths';
import type { Decision } from './run-context';
import { scheduled } from './steps/agent.step';
import { failStep, requestStepTimer } from './steps/lifecycle';
import { addSeconds } from './time';

/**
 * F6 retry: a failed attempt of an agent step is tried again when its policy (the step's
 * retry_config over the agent's over the default) retries that error kind and attempts remain.
 * The wait is a durable timer, never a sleep; its delay, jitter included, is decided here from the
 * context's random source and written into StepRetryScheduled, so replay is exact.
 */
export function failAttempt(
  d: Decision,
  path: string,
  attempt: number,
  error: ErrorInfo,
  durationMs?: number,
): void {
  const step = d.state.steps[path];
  if (!step) return;
  d.emit({
    type: 'StepAttemptFailed',
    step_path: path,
    data: {
      step_id: step.step_id,
      attempt,
      error,
      ...(durationMs !== undefined ? { duration_ms: durationMs } : {}),
    },
  });
  const def = stepById(d.def, step.step_id)?.step;
  const policy = def?.type === 'agent' ? policyOf(d, def) : undefined;
  // After a re-drive (F7) attempt numbers go on, but the budget starts afresh.
  const tries = attempt - (step.attempt_base ?? 0);
  if (!policy || tries >= policy.max_attempts || !isRetryable(policy, error)) {
    const final = { ...error, details: { ...(asObject(error.details) ?? {}), attempts: tries } };
    failStep(d, path, final);
    return deadLetter(d, path, final, tries);
  }
  const delay = retryDelayMs(policy, tries, (d.ctx.random ?? (() => 0.5))());
  const id = timerId(path, 'retry', attempt);
  const fireAt = addSeconds(d.ctx.now, delay / 1000);
  d.emit({
    type: 'StepRetryScheduled',
    step_path: path,
    data: {
      step_id: step.step_id,
      attempt,
      next_attempt: attempt + 1,
      delay_ms: delay,
      fire_at: fireAt,
      timer_id: id,
      error,
    },
  });
  d.emit({
    type: 'TimerRequested',
    step_path: path,
    data: { timer_id: id, purpose: 'retry', fire_at: fireAt },
  });
}

/** The retry timer fired: the next attempt is dispatched with the same input. */
export function decideRetryTimer(d: Decision, cmd: FireTimer, path: string, attempt: number): void {
  const step = d.state.steps[path];
  if (!step || step.status !== 'WAITING' || step.attempt !== attempt) return;
  const def = stepById(d.def, step.step_id)?.step;
  if (def?.type !== 'agent') return;
  const placement = {
    ...(step.parent !== undefined ? { parent: step.parent } : {}),
    ...(step.iteration !== undefined ? { iteration: step.iteration } : {}),
    ...(step.branch !== undefined ? { branch: step.branch } : {}),
  };
  d.emit(scheduled(d.runId, def, path, placement, step.input, attempt + 1));
  requestStepTimer(d, def, path, attempt + 1);
  void cmd;
}

function policyOf(d: Decision, step: NormalizedAgentStep) {
  const agent = d.state.agents[step.agent_name]?.retry_config as RetryConfig | null | undefined;
  return effectiveRetry(agent, step.retry_config as RetryConfig | undefined);
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
