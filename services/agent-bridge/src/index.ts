export * from './jsonrpc-client';
export * from './agent-directory';
export * from './agent-bridge';
export * from './store-agent-directory';
export * from './circuit-breaker';
export * from './circuit-guard';
export * from './store-circuit-configs';
export * from './store-circuit-transitions';
