import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/** Tables of the embedded event log; they live in the embedded database beside the projections. */
export const embeddedLogMigrations: Record<string, Migration> = {
  '0001_eventlog': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('eventlog_records')
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('partition', 'integer', (c) => c.notNull())
        .addColumn('offset', 'bigint', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('timestamp', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('eventlog_records_pk', ['topic', 'partition', 'offset'])
        .execute();
      await db.schema
        .createTable('eventlog_group_offsets')
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('partition', 'integer', (c) => c.notNull())
        .addColumn('next_offset', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('eventlog_group_offsets_pk', ['group_id', 'topic', 'partition'])
        .execute();
      await db.schema
        .createTable('eventlog_compacted')
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('timestamp', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('eventlog_compacted_pk', ['topic', 'key'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('eventlog_compacted').execute();
      await db.schema.dropTable('eventlog_group_offsets').execute();
      await db.schema.dropTable('eventlog_records').execute();
    },
  },
};
