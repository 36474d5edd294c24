export type { Store } from './store';
export { openPgStore, type PgStoreOptions } from './dialects/pg-store';
export { openPgliteStore, type PgliteStoreOptions } from './dialects/pglite-store';
export { SerializedPGliteDialect, SerializedPGliteDriver } from './dialects/serialized-pglite-dialect';
export { FifoMutex } from './dialects/fifo-mutex';
export {
  callOn,
  databaseFunction,
  type CallOptions,
  type DatabaseCall,
  type DatabaseCallContext,
  type DatabaseFunction,
} from './dialects/database-function';
export { parseInt8Text, parseTimestampText, PG_TYPE_OIDS, TYPE_PARSERS } from './dialects/type-parsers';

export { migrateDownAll, migrateToLatest } from './migrations/migrate';
export { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, MIGRATIONS } from './migrations/migration-list';

export * from './schema/database';
export {
  ENDED_RUN_STATUSES,
  parseRunStatusPayload,
  RUN_STATUS_CHANNEL,
  type RunStatusNotice,
} from './schema/run-status-channel';
export {
  toJsonText,
  toNullableJsonText,
  toOptionalJsonText,
  type JsonInput,
  type JsonText,
  type JsonValue,
} from './schema/json';
export type { JsonInsertable, JsonUpdateable } from './schema/json-insertable';

export type { Executor } from './repositories/executor';
export {
  decodeCursor,
  encodeCursor,
  isUuid,
  type CursorKey,
  type CursorKind,
  type CursorValue,
} from './repositories/cursor';
export { checkLimit, MAX_PAGE_SIZE, type Page, type PageRequest } from './repositories/page';
export { isUniqueViolation } from './repositories/unique-violation';
export * from './repositories/agents.repository';
export * from './repositories/workflow-definitions.repository';
export * from './repositories/runs.repository';
export * from './repositories/step-executions.repository';
export * from './repositories/run-events.repository';
export * from './repositories/projection-checkpoints.repository';
export * from './repositories/timers.repository';
export * from './repositories/circuit-breaker-events.repository';
export * from './repositories/dlq-entries.repository';
