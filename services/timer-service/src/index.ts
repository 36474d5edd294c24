export * from './timer-service';
export * from './fire-due-timers';
export * from './timer-changes';
export * from './wake-timer';
