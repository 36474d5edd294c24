export * from './config';
export * from './engine';
export * from './http-server';
export * from './resource-stack';
export * from './run-service';
export * from './service-adapters';
export * from './service-config';
