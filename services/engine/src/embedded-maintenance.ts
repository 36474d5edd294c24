import { sql, type Kysely } from 'kysely';
import type { Database } from '@weft/store';
import type { Logger } from '@weft/contracts';

/**
 * PGlite runs Postgres without its autovacuum worker, so rows that are updated all the time (group
 * positions, run states, runs, step executions, timers) would leave dead versions behind forever
 * and every read of them would slow down. The embedded engine vacuums those tables itself.
 */
const HOT_TABLES = ['workflow_runs', 'step_executions', 'timers'] as const;
/** Vacuumed too while the event log is kept in the database (`EVENT_LOG=database`). */
export const DATABASE_LOG_HOT_TABLES = ['eventlog_group_offsets', 'eventlog_compacted'] as const;

export function startEmbeddedMaintenance(
  db: Kysely<Database>,
  logger: Logger,
  options: { readonly intervalMs?: number; readonly moreTables?: readonly string[] } = {},
): { stop(): Promise<void> } {
  const tables = [...HOT_TABLES, ...(options.moreTables ?? [])];
  let running: Promise<void> | undefined;
  let stopped = false;
  const vacuum = async () => {
    for (const table of tables) {
      if (stopped) return;
      await sql`VACUUM ${sql.table(table)}`.execute(db);
    }
  };
  const timer = setInterval(() => {
    if (running) return;
    running = vacuum()
      .catch((e: unknown) => logger.warn({ err: e }, 'embedded vacuum failed'))
      .finally(() => (running = undefined));
  }, options.intervalMs ?? 30_000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
