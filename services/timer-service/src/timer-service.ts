import { silentLogger, WeftError, type Logger, type Topics } from '@weft/contracts';
import type { ConsumerHandle, EventLog, RecordBatch } from '@weft/eventlog';
import { cancelTimers, insertTimers, type Database } from '@weft/store';
import type { Kysely } from 'kysely';
import { fireDueTimers, type FireDueTimersDeps } from './fire-due-timers';
import { timerChangesOf } from './timer-changes';
import { WakeTimer } from './wake-timer';

export interface TimerServiceOptions {
  readonly log: EventLog;
  readonly topics: Topics;
  readonly db: Kysely<Database>;
  readonly now?: () => Date;
  readonly logger?: Logger;
  readonly groupId?: string;
  /** How often due timers are looked for (default 250 ms); timers requested sooner wake it earlier. */
  readonly pollIntervalMs?: number;
  /**
   * Read the events at most this often (`ConsumerOptions.lingerMs`; default 0, as they come): the
   * service looks at every event for timer requests, and waking for each one takes a core from
   * the steps in flight. A timer due sooner than this after it was requested fires up to this late.
   */
  readonly lingerMs?: number;
  /** Timers claimed and fired per transaction (default 500). */
  readonly batchSize?: number;
  /**
   * How long a claim keeps other instances off a timer while its command is sent (default 60 s).
   * A claim left by a crashed instance delays its timers by at most this much.
   */
  readonly claimMs?: number;
}

export interface TimerService {
  /** Start consuming timer requests and polling for due timers; due timers fire at once. */
  start(): Promise<void>;
  /** Stop both loops and wait for the timer work in progress. Idempotent. */
  stop(): Promise<void>;
  /** Fire every timer due now (by the injected clock); resolves to how many fired. 0 once stopped. */
  fireDue(): Promise<number>;
}

export const TIMER_SERVICE_GROUP = 'timer-service';

const earliest = (times: readonly number[]): number => times.reduce((a, b) => Math.min(a, b), Infinity);

/**
 * TimerRequested → durable timer (a row of `timers`) → FireTimer command when it comes due.
 * Requests and cancellations are applied idempotently, so redelivered events are harmless; any
 * number of instances may poll the same table, and each due timer is sent by one of them
 * (at-least-once across crashes).
 */
export function createTimerService(options: TimerServiceOptions): TimerService {
  const { log, topics, db } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const deps: FireDueTimersDeps = {
    log,
    topics,
    db,
    now,
    logger,
    batchSize: options.batchSize ?? 500,
    claimMs: options.claimMs ?? 60_000,
  };
  let state: 'idle' | 'running' | 'stopped' = 'idle';
  let consumer: Promise<ConsumerHandle> | undefined;
  let stopping: Promise<void> | undefined;
  const inFlight = new Set<Promise<number>>();
  let polling = false;
  let pollAgain = false;
  /**
   * Hints: fire_at (epoch ms) of timers requested here that come due before the next regular poll.
   * The poller wakes for each; a round drops those that were due when it began.
   */
  let hints: number[] = [];
  const wake = new WakeTimer(now, () => void poll());

  /** Wake the poller at `at` (epoch ms), or at the next regular poll if that is sooner. */
  function wakeAt(at: number): void {
    if (state === 'running') wake.at(Math.min(at, now().getTime() + pollIntervalMs));
  }

  function fireDue(): Promise<number> {
    if (state === 'stopped') return Promise.resolve(0);
    const firing = fireDueTimers(deps, () => state !== 'stopped');
    inFlight.add(firing);
    const done = () => void inFlight.delete(firing);
    firing.then(done, done);
    return firing;
  }

  async function poll(): Promise<void> {
    if (state !== 'running') return;
    if (polling) {
      pollAgain = true;
      return;
    }
    polling = true;
    try {
      do {
        pollAgain = false;
        const startedAt = now().getTime();
        await fireDue();
        // Timers due when this round began were fired by it (or are held by another instance).
        // Hints that arrive during a round have set a wake-up of their own.
        hints = hints.filter((at) => at > startedAt);
      } while (pollAgain && state === 'running');
    } catch (e) {
      logger.warn({ err: e }, 'firing due timers failed; retrying at the next poll');
      const failedAt = now().getTime();
      hints = hints.filter((at) => at > failedAt);
    } finally {
      polling = false;
    }
    wakeAt(earliest(hints));
  }

  async function onBatch(batch: RecordBatch): Promise<void> {
    const changes = timerChangesOf(batch.records, topics.deadLetters, now().toISOString());
    if (changes.rejected.length > 0) {
      logger.warn({ count: changes.rejected.length }, 'events dead-lettered');
      await log.produce(changes.rejected);
    }
    if (changes.requested.length === 0 && changes.cancelled.length === 0) return;
    const inserted = await db.transaction().execute(async (trx) => {
      const rows = await insertTimers(trx, changes.requested);
      await cancelTimers(trx, changes.cancelled);
      return rows;
    });
    const nextPoll = now().getTime() + pollIntervalMs;
    const soon = inserted.map((t) => Date.parse(t.fire_at)).filter((at) => at < nextPoll);
    if (soon.length > 0 && state === 'running') {
      hints.push(...soon);
      wakeAt(earliest(soon));
    }
  }

  return {
    async start() {
      if (state !== 'idle')
        throw new WeftError('ILLEGAL_STATE', `timer service is ${state}; create a new one`);
      state = 'running';
      consumer = log.consume(
        {
          groupId: options.groupId ?? TIMER_SERVICE_GROUP,
          topics: [topics.events],
          deadLetterTopic: topics.deadLetters,
          autoCommit: true,
          maxBatchSize: 500,
          ...(options.lingerMs ? { lingerMs: options.lingerMs } : {}),
        },
        onBatch,
      );
      await consumer;
      // Timers that came due while no instance ran (late timers) fire at once.
      wakeAt(now().getTime());
      logger.info({ pollIntervalMs, batchSize: deps.batchSize }, 'timer service started');
    },
    stop() {
      return (stopping ??= (async () => {
        state = 'stopped';
        wake.cancel();
        const handle = await consumer?.catch(() => undefined);
        await handle?.stop();
        await Promise.allSettled([...inFlight]);
      })());
    },
    fireDue,
  };
}
