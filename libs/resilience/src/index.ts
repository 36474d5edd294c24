export * from './retry-policy';
export * from './circuit-breaker';
export * from './circuit-breaker.machine';
export * from './circuit-events';
export * from './circuit-failure';
