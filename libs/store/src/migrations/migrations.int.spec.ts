import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgliteStore } from '../dialects/pglite-store';
import type { Store } from '../store';
import { openTestSchemaStore } from '../test-support/postgres-test-schema';
import { migrateDownAll, migrateToLatest } from './migrate';

const OUR_TABLES = [
  'agents',
  'circuit_breaker_events',
  'dlq_entries',
  'projection_checkpoints',
  'run_events',
  'step_executions',
  'timers',
  'workflow_definitions',
  'workflow_runs',
];
const BOOKKEEPING_TABLES = ['weft_migrations', 'weft_migrations_lock'];
const OUR_INDEXES = [
  'agents_pkey',
  'circuit_breaker_events_agent_occurred_at_idx',
  'circuit_breaker_events_pkey',
  'dlq_entries_agent_created_at_idx',
  'dlq_entries_created_at_idx',
  'dlq_entries_pkey',
  'dlq_entries_status_created_at_idx',
  'dlq_entries_workflow_created_at_idx',
  'projection_checkpoints_pkey',
  'run_events_pkey',
  'step_executions_parent_path_idx',
  'step_executions_pkey',
  'step_executions_run_id_seq_started_idx',
  'timers_pending_fire_at_idx',
  'timers_pkey',
  'workflow_definitions_one_active_idx',
  'workflow_definitions_pkey',
  'workflow_runs_created_at_idx',
  'workflow_runs_parent_run_id_idx',
  'workflow_runs_pkey',
  'workflow_runs_status_created_at_idx',
  'workflow_runs_workflow_id_created_at_idx',
];

async function tablesOf(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(db);
  return rows.map((r) => r.table_name);
}

async function indexesOf(db: Kysely<unknown>): Promise<Map<string, string>> {
  const { rows } = await sql<{ indexname: string; indexdef: string }>`
    select indexname, indexdef from pg_indexes
    where schemaname = current_schema() and tablename not like 'weft_migrations%'`.execute(db);
  return new Map(rows.map((r) => [r.indexname, r.indexdef]));
}

/** Our triggers (`<table>.<trigger> <timing> <event>`) and functions in the current schema. */
async function routinesOf(db: Kysely<unknown>): Promise<string[]> {
  const triggers = await sql<{ name: string }>`
    select event_object_table || '.' || trigger_name || ' ' || action_timing || ' ' || event_manipulation
      as name
    from information_schema.triggers where trigger_schema = current_schema()`.execute(db);
  const functions = await sql<{ name: string }>`
    select p.proname || '()' as name from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = current_schema()`.execute(db);
  return [...triggers.rows, ...functions.rows].map((r) => r.name).sort();
}
const OUR_ROUTINES = [
  'weft_notify_run_status()',
  'workflow_runs.workflow_runs_status_inserted AFTER INSERT',
  'workflow_runs.workflow_runs_status_updated AFTER UPDATE',
];

async function columnsOf(db: Kysely<unknown>, table: string): Promise<Record<string, string>> {
  const { rows } = await sql<{ column_name: string; data_type: string; is_nullable: string }>`
    select column_name, data_type, is_nullable from information_schema.columns
    where table_schema = current_schema() and table_name = ${table}`.execute(db);
  return Object.fromEntries(
    rows.map((r) => [r.column_name, `${r.data_type}${r.is_nullable === 'YES' ? ' null' : ''}`]),
  );
}

function migrationSuite(name: string, open: () => Promise<Store & { dispose?: () => Promise<void> }>) {
  describe(`migrations on ${name}`, () => {
    let store: Store & { dispose?: () => Promise<void> };
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await (store.dispose ?? store.close)();
    });

    it('goes up, down and up again', async () => {
      const db = store.db as unknown as Kysely<unknown>;
      expect(await tablesOf(db)).toEqual([]);

      await migrateToLatest(db);
      expect(await tablesOf(db)).toEqual([...OUR_TABLES, ...BOOKKEEPING_TABLES].sort());
      const indexes = await indexesOf(db);
      expect([...indexes.keys()].sort()).toEqual(OUR_INDEXES);
      expect(indexes.get('workflow_definitions_one_active_idx')).toMatch(
        /UNIQUE INDEX .*\(workflow_id\) WHERE \(status = 'active'::text\)/,
      );
      expect(indexes.get('workflow_runs_created_at_idx')).toMatch(/\(created_at DESC, run_id DESC\)/);
      expect(await columnsOf(db, 'run_events')).toEqual({
        run_id: 'uuid',
        seq: 'integer',
        type: 'text',
        step_path: 'text null',
        data: 'jsonb',
        recorded_at: 'timestamp with time zone',
      });
      expect(Object.keys(await columnsOf(db, 'workflow_runs')).length).toBe(21);
      expect(await columnsOf(db, 'timers')).toEqual({
        run_id: 'uuid',
        timer_id: 'text',
        purpose: 'text',
        fire_at: 'timestamp with time zone',
        status: 'text',
        created_at: 'timestamp with time zone',
        fired_at: 'timestamp with time zone null',
        claimed_until: 'timestamp with time zone null',
      });
      expect(indexes.get('dlq_entries_created_at_idx')).toMatch(/\(created_at DESC, entry_id DESC\)/);
      expect(await columnsOf(db, 'dlq_entries')).toMatchObject({
        entry_id: 'text',
        run_id: 'uuid',
        input: 'jsonb null',
        error: 'jsonb',
        status: 'text',
        replay_run_id: 'uuid null',
        created_at: 'timestamp with time zone',
      });
      expect(indexes.get('timers_pending_fire_at_idx')).toMatch(
        /INDEX .*\(fire_at\) WHERE \(status = 'pending'::text\)/,
      );

      expect(await routinesOf(db)).toEqual(OUR_ROUTINES);

      // Idempotent: nothing pending.
      await migrateToLatest(db);

      await migrateDownAll(db);
      expect(await tablesOf(db)).toEqual(BOOKKEEPING_TABLES);
      expect([...(await indexesOf(db)).keys()]).toEqual([]);
      expect(await routinesOf(db)).toEqual([]);

      await migrateToLatest(db);
      expect(await tablesOf(db)).toEqual([...OUR_TABLES, ...BOOKKEEPING_TABLES].sort());
      expect([...(await indexesOf(db)).keys()].sort()).toEqual(OUR_INDEXES);
      expect(await routinesOf(db)).toEqual(OUR_ROUTINES);
      const { rows } = await sql<{ name: string }>`select name from weft_migrations order by name`.execute(
        db,
      );
      expect(rows.map((r) => r.name)).toEqual([
        '0001_registry',
        '0002_runs',
        '0003_projection_checkpoints',
        '0004_timers',
        '0005_step_execution_details',
        '0006_circuit_breaker_events',
        '0007_dlq_entries',
        '0008_run_status_notify',
        '0009_run_status_notice_status',
      ]);
    });

    it('names the failed migration', async () => {
      const db = store.db as unknown as Kysely<unknown>;
      await migrateDownAll(db);
      // Occupy a name the second migration needs, so 0002 fails after 0001 succeeded.
      await sql`create table run_events (x int)`.execute(db);
      try {
        await expect(migrateToLatest(db)).rejects.toMatchObject({
          code: 'UNAVAILABLE',
          message: expect.stringMatching(/migration 0002_runs failed/),
        });
        // Pending migrations run in one transaction: 0001 is rolled back with 0002.
        expect(await tablesOf(db)).toEqual(['run_events', ...BOOKKEEPING_TABLES]);
        const { rows } = await sql<{ name: string }>`select name from weft_migrations`.execute(db);
        expect(rows).toEqual([]);
      } finally {
        await sql`drop table run_events`.execute(db);
      }
      await migrateToLatest(db);
      expect(await tablesOf(db)).toEqual([...OUR_TABLES, ...BOOKKEEPING_TABLES].sort());
    });
  });
}

migrationSuite('PGlite (in memory)', () => openPgliteStore());
migrationSuite('Postgres (fresh schema)', () => openTestSchemaStore('weft_migrations_test'));
