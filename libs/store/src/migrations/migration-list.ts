import type { Migration } from 'kysely/migration';
import * as registry from './0001-registry';
import * as runs from './0002-runs';
import * as projectionCheckpoints from './0003-projection-checkpoints';
import * as timers from './0004-timers';
import * as stepExecutionDetails from './0005-step-execution-details';
import * as circuitBreakerEvents from './0006-circuit-breaker-events';
import * as dlqEntries from './0007-dlq-entries';
import * as runStatusNotify from './0008-run-status-notify';
import * as runStatusNoticeStatus from './0009-run-status-notice-status';

/** Every migration, by name; Kysely applies them in name order. Append, never edit or reorder. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = Object.freeze({
  '0001_registry': registry,
  '0002_runs': runs,
  '0003_projection_checkpoints': projectionCheckpoints,
  '0004_timers': timers,
  '0005_step_execution_details': stepExecutionDetails,
  '0006_circuit_breaker_events': circuitBreakerEvents,
  '0007_dlq_entries': dlqEntries,
  '0008_run_status_notify': runStatusNotify,
  '0009_run_status_notice_status': runStatusNoticeStatus,
});

export const MIGRATION_TABLE = 'weft_migrations';
export const MIGRATION_LOCK_TABLE = 'weft_migrations_lock';
