export * from './kv.port';
export * from './script-replies';
export * from './memory/memory-kv';
export * from './redis/redis-kv';
export * from './scripts/compare-and-set.script';
