import { WeftError, type FireTimer, type Logger, type Topics } from '@weft/contracts';
import { jsonHeaders, type EventLog, type OutgoingRecord } from '@weft/eventlog';
import { claimDueTimers, markTimersFired, releaseTimers, type Database, type Timer } from '@weft/store';
import type { Kysely } from 'kysely';

export interface FireDueTimersDeps {
  readonly log: EventLog;
  readonly topics: Topics;
  readonly db: Kysely<Database>;
  readonly now: () => Date;
  readonly logger: Logger;
  readonly batchSize: number;
  /** How long a claim keeps other instances off a timer while its command is being sent. */
  readonly claimMs: number;
}

function fireTimerRecord(timer: Timer, firedAt: string, commandsTopic: string): OutgoingRecord {
  const command: FireTimer = {
    type: 'FireTimer',
    run_id: timer.run_id,
    timer_id: timer.timer_id,
    fired_at: firedAt,
  };
  return {
    topic: commandsTopic,
    key: timer.run_id,
    value: JSON.stringify(command),
    headers: jsonHeaders(timer.run_id),
  };
}

/**
 * One batch: claim up to `batchSize` due timers (a committed claim, so concurrent instances take
 * disjoint sets), send one FireTimer command each, then mark them fired. If sending fails the
 * claims are released and the timers stay pending, to be fired by a later poll; if the process
 * dies in between, the claim lapses after `claimMs` and they are fired again (at-least-once: the
 * reducer ignores duplicate and stale timer fires). Returns how many commands were sent.
 */
export async function fireDueBatch(deps: FireDueTimersDeps): Promise<number> {
  const { db, log, topics, logger } = deps;
  const now = deps.now();
  const firedAt = now.toISOString();
  const claimed = await claimDueTimers(db, {
    now: firedAt,
    claimUntil: new Date(now.getTime() + deps.claimMs).toISOString(),
    limit: deps.batchSize,
  });
  if (claimed.length === 0) return 0;
  try {
    await log.produce(claimed.map((t) => fireTimerRecord(t, firedAt, topics.commands)));
  } catch (cause) {
    await releaseTimers(db, claimed).catch((e: unknown) =>
      logger.warn({ err: e, count: claimed.length }, 'claims not released; they lapse on their own'),
    );
    throw new WeftError('UNAVAILABLE', `could not send ${claimed.length} FireTimer commands`, {
      cause,
      retryable: true,
    });
  }
  await markTimersFired(db, claimed, firedAt);
  logger.debug({ count: claimed.length }, 'timers fired');
  return claimed.length;
}

/** Fire every due timer, batch after batch, while `proceed()` holds. Returns how many were fired. */
export async function fireDueTimers(deps: FireDueTimersDeps, proceed: () => boolean): Promise<number> {
  let total = 0;
  while (proceed()) {
    const fired = await fireDueBatch(deps);
    total += fired;
    if (fired < deps.batchSize) break;
  }
  return total;
}
