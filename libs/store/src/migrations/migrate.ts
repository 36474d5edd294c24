import { sql, type Kysely } from 'kysely';
import { Migrator, NO_MIGRATIONS, type MigrationResultSet } from 'kysely/migration';
import { WeftError } from '@weft/contracts';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, MIGRATIONS } from './migration-list';

/**
 * The migrator, with its bookkeeping tables pinned to the connection's current schema. (Left
 * unpinned, Kysely looks for `weft_migrations` in every schema and would take another schema's
 * table for ours.)
 */
async function migratorFor<DB>(db: Kysely<DB>): Promise<Migrator> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema === undefined || schema === null) {
    throw new WeftError('UNAVAILABLE', 'no current schema: the search_path names no existing schema');
  }
  return new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    migrationTableSchema: schema,
  });
}

function check({ error, results }: MigrationResultSet, direction: 'up' | 'down'): void {
  if (error === undefined) return;
  const failed = results?.find((r) => r.status === 'Error');
  const name = failed === undefined ? 'the migrator' : `migration ${failed.migrationName}`;
  const reason = error instanceof Error ? error.message : String(error);
  throw new WeftError('UNAVAILABLE', `${name} failed (${direction}): ${reason}`, { cause: error });
}

/** Apply every pending migration, all in one transaction (Postgres has transactional DDL). */
export async function migrateToLatest<DB>(db: Kysely<DB>): Promise<void> {
  check(await (await migratorFor(db)).migrateToLatest(), 'up');
}

/** Undo every applied migration, newest first, in one transaction (the bookkeeping tables remain). */
export async function migrateDownAll<DB>(db: Kysely<DB>): Promise<void> {
  check(await (await migratorFor(db)).migrateTo(NO_MIGRATIONS), 'down');
}
