/**
 * Run and step lifecycles as transition tables (STYLE 11). The reducer asks these tables before it
 * moves a run or a step; an illegal move is a bug in a decider, not an input error.
 */
export const RUN_STATUSES = [
  'PENDING',
  'RUNNING',
  'PAUSED',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMED_OUT',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

const RUN_TRANSITIONS: Readonly<Record<RunStatus, readonly RunStatus[]>> = {
  PENDING: ['RUNNING', 'FAILED', 'CANCELLED'],
  RUNNING: ['PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'],
  PAUSED: ['RUNNING', 'FAILED', 'CANCELLED', 'TIMED_OUT'],
  COMPLETED: [],
  FAILED: [],
  CANCELLED: [],
  TIMED_OUT: [],
};

export function canMoveRun(from: RunStatus, to: RunStatus): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

export function isTerminalRun(status: RunStatus): boolean {
  return RUN_TRANSITIONS[status].length === 0;
}

export const STEP_STATUSES = [
  'PENDING',
  'RUNNING',
  'WAITING',
  'COMPLETED',
  'FAILED',
  'SKIPPED',
  'CANCELLED',
  'TIMED_OUT',
] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

const STEP_TRANSITIONS: Readonly<Record<StepStatus, readonly StepStatus[]>> = {
  PENDING: ['RUNNING', 'SKIPPED', 'CANCELLED'],
  RUNNING: ['RUNNING', 'WAITING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'],
  WAITING: ['RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'],
  COMPLETED: [],
  FAILED: [],
  SKIPPED: [],
  CANCELLED: [],
  TIMED_OUT: [],
};

export function canMoveStep(from: StepStatus, to: StepStatus): boolean {
  return STEP_TRANSITIONS[from].includes(to);
}

export function isTerminalStep(status: StepStatus): boolean {
  return STEP_TRANSITIONS[status].length === 0;
}
