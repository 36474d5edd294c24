export * from './app';
export * from './deps';
export * from './http-errors';
export * from './run-ids';
export * from './run-watch';
export * from './openapi';
export * from './start-run';
export * from './start-request-ingress';
