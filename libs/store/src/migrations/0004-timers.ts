import { sql, type Kysely } from 'kysely';

/**
 * Durable timers of the timer service. A row is `pending` until its FireTimer command is sent
 * (`fired`) or the run no longer needs it (`cancelled`). `claimed_until` is a short lease taken by
 * the instance that is sending the command, so several instances never send one timer at once.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('timers')
    .addColumn('run_id', 'uuid', (c) => c.notNull())
    .addColumn('timer_id', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('fire_at', 'timestamptz(3)', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('fired_at', 'timestamptz(3)')
    .addColumn('claimed_until', 'timestamptz(3)')
    .addPrimaryKeyConstraint('timers_pkey', ['run_id', 'timer_id'])
    .addCheckConstraint('timers_status_check', sql`status in ('pending', 'fired', 'cancelled')`)
    .execute();

  // The poller's query: pending timers by fire_at. Fired and cancelled rows stay out of it.
  await db.schema
    .createIndex('timers_pending_fire_at_idx')
    .on('timers')
    .column('fire_at')
    .where(sql.raw<boolean>(`status = 'pending'`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('timers').execute();
}
