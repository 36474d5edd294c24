export * from './run-status.machine';
export * from './run-state';
export * from './decider';
export { evolve, replay } from './evolve';
export { SUPPORTED_STEP_TYPES } from './start-run';
export { DEFAULT_MAX_ITERATIONS } from './steps/loop.step';
