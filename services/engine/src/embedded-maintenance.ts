import { sql, type Kysely } from 'kysely';
import type { Database } from '@weft/store';
import type { Logger } from '@weft/contracts';

/**
 * PGlite runs Postgres without its autovacuum worker, so rows that are updated all the time (group
 * positions, run states, runs, step executions, timers) would leave dead versions behind forever
 * and every read of them would slow down. The embedded engine vacuums those tables itself.
 */
const HOT_TABLES = [
  'eventlog_group_offsets',
  'eventlog_compacted',
  'workflow_runs',
  'step_executions',
  'timers',
] as const;

export function startEmbeddedMaintenance(
  db: Kysely<Database>,
  logger: Logger,
  intervalMs = 30_000,
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  let stopped = false;
  const vacuum = async () => {
    for (const table of HOT_TABLES) {
      if (stopped) return;
      await sql`VACUUM ${sql.table(table)}`.execute(db);
    }
  };
  const timer = setInterval(() => {
    if (running) return;
    running = vacuum()
      .catch((e: unknown) => logger.warn({ err: e }, 'embedded vacuum failed'))
      .finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
