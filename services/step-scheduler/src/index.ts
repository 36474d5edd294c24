export * from './step-scheduler';
export * from './run-state-codec';
