import { sql, type Kysely } from 'kysely';

/**
 * Circuit breaker transitions per agent (SPEC F5), newest first by agent for the API. No foreign
 * key to `agents`: the history outlives an agent's deletion, and a transition may be recorded
 * before a concurrent delete commits.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('circuit_breaker_events')
    .addColumn('id', 'bigint', (c) => c.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('agent_name', 'text', (c) => c.notNull())
    .addColumn('from_state', 'text', (c) => c.notNull())
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'timestamptz(3)', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'circuit_breaker_events_states_check',
      sql`from_state in ('CLOSED', 'OPEN', 'HALF_OPEN') and to_state in ('CLOSED', 'OPEN', 'HALF_OPEN')`,
    )
    .execute();

  await db.schema
    .createIndex('circuit_breaker_events_agent_occurred_at_idx')
    .on('circuit_breaker_events')
    .expression(sql`agent_name, occurred_at desc, id desc`)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('circuit_breaker_events').execute();
}
