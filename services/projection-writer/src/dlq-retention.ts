import { silentLogger, type Logger } from '@weft/contracts';
import { deleteDlqEntriesBefore, type Database } from '@weft/store';
import type { Kysely } from 'kysely';
import { z } from 'zod';

/** The retention settings (SPEC F7), composed into the projection writer's and the engine's config. */
export const DlqRetentionEnv = {
  /** Entries older than this many days are deleted; fractions allowed, 0 deletes at the next sweep. */
  DLQ_RETENTION_DAYS: z.coerce.number().min(0).max(36_500).default(30),
  /** How often the retention sweep runs. */
  DLQ_RETENTION_INTERVAL_MS: z.coerce.number().int().min(100).max(86_400_000).default(3_600_000),
};

const DAY_MS = 86_400_000;

/**
 * One retention sweep at `now`: deletes every entry created more than `retentionDays` before it,
 * in batches. Returns how many were deleted. Takes `now` so it is tested without waiting.
 */
export async function sweepDlqRetention(
  db: Kysely<Database>,
  retentionDays: number,
  now: Date,
  batchSize = 1000,
): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * DAY_MS).toISOString();
  let total = 0;
  for (;;) {
    const deleted = await deleteDlqEntriesBefore(db, cutoff, batchSize);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

export interface DlqRetentionOptions {
  readonly db: Kysely<Database>;
  readonly retentionDays: number;
  readonly intervalMs: number;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

/**
 * The periodic retention task (run by the projection writer's process and by the embedded engine):
 * a sweep at start and every `intervalMs`; a failed sweep is logged and tried at the next tick.
 * With several instances, sweeps overlap harmlessly (deleting a deleted row deletes nothing).
 */
export function startDlqRetention(options: DlqRetentionOptions): { stop(): Promise<void> } {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  let running: Promise<void> | undefined;
  const sweep = () => {
    if (running) return;
    running = sweepDlqRetention(options.db, options.retentionDays, now())
      .then((deleted) => {
        if (deleted > 0) logger.info({ deleted, retention_days: options.retentionDays }, 'dlq retention');
      })
      .catch((e: unknown) => logger.warn({ err: e }, 'dlq retention sweep failed'))
      .finally(() => (running = undefined));
  };
  sweep();
  const timer = setInterval(sweep, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
