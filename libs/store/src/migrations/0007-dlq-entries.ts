import { sql, type Kysely } from 'kysely';

/**
 * Dead-letter queue (SPEC F7): one row per agent invocation that failed for good, filled by the
 * projection writer from `StepDeadLettered`; the API replays and deletes entries, a retention task
 * deletes old ones. No foreign key to `workflow_runs`: an entry outlives nothing it depends on and
 * the projection may see the event before a concurrent reader sees the run.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('dlq_entries')
    .addColumn('entry_id', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'uuid', (c) => c.notNull())
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('step_path', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('agent_name', 'text', (c) => c.notNull())
    .addColumn('invocation_id', 'text', (c) => c.notNull())
    .addColumn('input', 'jsonb')
    .addColumn('run_input', 'jsonb')
    .addColumn('error', 'jsonb', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('replay_mode', 'text')
    .addColumn('replay_run_id', 'uuid')
    .addColumn('replayed_at', 'timestamptz(3)')
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('dlq_entries_status_check', sql`status in ('pending', 'replayed')`)
    .addCheckConstraint(
      'dlq_entries_replay_mode_check',
      sql`replay_mode is null or replay_mode in ('run', 'step')`,
    )
    .execute();

  // Each index ends in entry_id desc so it serves the keyset order of `listDlqEntries`; the plain
  // one also serves retention (created_at < cutoff).
  await db.schema
    .createIndex('dlq_entries_created_at_idx')
    .on('dlq_entries')
    .expression(sql`created_at desc, entry_id desc`)
    .execute();
  await db.schema
    .createIndex('dlq_entries_status_created_at_idx')
    .on('dlq_entries')
    .expression(sql`status, created_at desc, entry_id desc`)
    .execute();
  await db.schema
    .createIndex('dlq_entries_agent_created_at_idx')
    .on('dlq_entries')
    .expression(sql`agent_name, created_at desc, entry_id desc`)
    .execute();
  await db.schema
    .createIndex('dlq_entries_workflow_created_at_idx')
    .on('dlq_entries')
    .expression(sql`workflow_id, created_at desc, entry_id desc`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('dlq_entries').execute();
}
