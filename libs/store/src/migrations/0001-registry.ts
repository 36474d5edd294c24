import { sql, type Kysely } from 'kysely';

/** Agents and workflow definitions: what the API registers. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('agents')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull().defaultTo('execute'))
    .addColumn('timeout_seconds', 'integer', (c) => c.notNull().defaultTo(30))
    .addColumn('retry_config', 'jsonb')
    .addColumn('circuit_breaker_config', 'jsonb')
    .addColumn('headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('description', 'text')
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('workflow_definitions')
    .addColumn('workflow_id', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addColumn('change_summary', 'text')
    .addColumn('previous_version', 'integer')
    .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('workflow_definitions_pkey', ['workflow_id', 'version'])
    .addCheckConstraint(
      'workflow_definitions_status_check',
      sql`status in ('draft', 'active', 'deprecated', 'archived')`,
    )
    .execute();

  // At most one active version per workflow.
  await db.schema
    .createIndex('workflow_definitions_one_active_idx')
    .on('workflow_definitions')
    .column('workflow_id')
    .unique()
    .where(sql.raw<boolean>(`status = 'active'`))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('workflow_definitions').execute();
  await db.schema.dropTable('agents').execute();
}
