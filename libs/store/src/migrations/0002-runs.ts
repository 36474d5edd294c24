import { sql, type Kysely } from 'kysely';

/** Run projections: runs, step executions and the per-run event log, filled by the projection writer. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('workflow_runs')
    .addColumn('run_id', 'uuid', (c) => c.primaryKey())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('input', 'jsonb', (c) => c.notNull())
    .addColumn('output', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('current_step', 'text')
    .addColumn('parent_run_id', 'uuid')
    .addColumn('root_run_id', 'uuid')
    .addColumn('nesting_level', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('triggered_by_run_id', 'uuid')
    .addColumn('chain_sequence', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('idempotency_key', 'text')
    .addColumn('correlation_id', 'text')
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz(3)')
    .addColumn('completed_at', 'timestamptz(3)')
    .addColumn('paused_at', 'timestamptz(3)')
    .addColumn('updated_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seq', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();

  // Each index ends in run_id desc so it serves the keyset order of `listRuns` exactly.
  await db.schema
    .createIndex('workflow_runs_workflow_id_created_at_idx')
    .on('workflow_runs')
    .expression(sql`workflow_id, created_at desc, run_id desc`)
    .execute();
  await db.schema
    .createIndex('workflow_runs_status_created_at_idx')
    .on('workflow_runs')
    .expression(sql`status, created_at desc, run_id desc`)
    .execute();
  await db.schema
    .createIndex('workflow_runs_created_at_idx')
    .on('workflow_runs')
    .expression(sql`created_at desc, run_id desc`)
    .execute();
  // Children of a run (GET /runs/{id}/children); most runs have no parent.
  await db.schema
    .createIndex('workflow_runs_parent_run_id_idx')
    .on('workflow_runs')
    .column('parent_run_id')
    .where(sql.raw<boolean>('parent_run_id is not null'))
    .execute();

  await db.schema
    .createTable('step_executions')
    .addColumn('run_id', 'uuid', (c) => c.notNull())
    .addColumn('step_path', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempt', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('input', 'jsonb')
    .addColumn('output', 'jsonb')
    .addColumn('error', 'jsonb')
    .addColumn('started_at', 'timestamptz(3)')
    .addColumn('completed_at', 'timestamptz(3)')
    .addColumn('updated_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('seq_started', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('step_executions_pkey', ['run_id', 'step_path'])
    .execute();
  await db.schema
    .createIndex('step_executions_run_id_seq_started_idx')
    .on('step_executions')
    .columns(['run_id', 'seq_started'])
    .execute();

  await db.schema
    .createTable('run_events')
    .addColumn('run_id', 'uuid', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('step_path', 'text')
    .addColumn('data', 'jsonb', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz(3)', (c) => c.notNull())
    .addPrimaryKeyConstraint('run_events_pkey', ['run_id', 'seq'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('run_events').execute();
  await db.schema.dropTable('step_executions').execute();
  await db.schema.dropTable('workflow_runs').execute();
}
