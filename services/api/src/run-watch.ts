import type { Logger } from '@weft/contracts';
import {
  ENDED_RUN_STATUSES,
  parseRunStatusPayload,
  RUN_STATUS_CHANNEL,
  type Database,
  type Run,
} from '@weft/store';
import type { Kysely } from 'kysely';
import pg from 'pg';

/** Why a wait ended: the run moved on, the time was up, or the watch closed. */
export type RunWatchWake = 'advanced' | 'timeout' | 'closed';

/** How a wait ended, and the run's row when the watch was handed it (else the caller reads it). */
export interface RunWake {
  readonly why: RunWatchWake;
  readonly row?: Run;
}

/**
 * How `GET /runs/:id?wait_ms=…` learns that a run's projection moved on, so a client waiting for a
 * run to end is answered when it ends instead of polling. `changed` resolves once the watch sees the
 * run ended with its projected `last_seq` above `seenSeq`, or when `timeoutMs` has passed
 * (whichever is first). A watch that cannot tell an end from other progress may wake for that too;
 * the caller reads the run again when woken, unless the watch handed it the run's row.
 */
export interface RunWatch {
  changed(runId: string, seenSeq: number, timeoutMs: number): Promise<RunWake>;
  /**
   * This process has just asked for the run to start, under a fresh id: it has not ended (the
   * watch has not seen it end), so a long poll on it may wait without reading it first. Optional:
   * only a watch fed by this process's own projection can tell.
   */
  starting?(runId: string): void;
  /** Whether the run was `starting` and the watch has not seen it end since. */
  isStarting?(runId: string): boolean;
}

interface Waiter {
  readonly seenSeq: number;
  readonly wake: (why: RunWatchWake, row?: Run) => void;
}

class Waiters {
  readonly byRun = new Map<string, Set<Waiter>>();

  wait(runId: string, seenSeq: number, timeoutMs: number): Promise<RunWake> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        seenSeq,
        wake: (why, row) => {
          clearTimeout(timer);
          const set = this.byRun.get(runId);
          set?.delete(waiter);
          if (set?.size === 0) this.byRun.delete(runId);
          resolve(row === undefined ? { why } : { why, row });
        },
      };
      const timer = setTimeout(() => waiter.wake('timeout'), Math.max(0, timeoutMs));
      const set = this.byRun.get(runId) ?? new Set();
      set.add(waiter);
      this.byRun.set(runId, set);
    });
  }

  advanced(runId: string, seq: number, row?: Run): void {
    for (const waiter of [...(this.byRun.get(runId) ?? [])])
      if (seq > waiter.seenSeq) waiter.wake('advanced', row);
  }

  wakeAll(why: RunWatchWake): void {
    for (const set of [...this.byRun.values()]) for (const waiter of [...set]) waiter.wake(why);
  }
}

/** How many started runs a watch remembers, at most (the oldest are forgotten first). */
export const MAX_STARTING_RUNS = 100_000;

/** The runs this process has just started and not yet seen end (at most `max`, oldest out first). */
class StartingRuns {
  readonly #runs = new Set<string>();
  constructor(readonly max: number) {}
  add(runId: string): void {
    if (this.#runs.size >= this.max) this.#runs.delete(this.#runs.values().next().value!);
    this.#runs.add(runId);
  }
  has(runId: string): boolean {
    return this.#runs.has(runId);
  }
  delete(runId: string): void {
    this.#runs.delete(runId);
  }
}

/**
 * Fed by the projection writer of the same process (embedded engine): `ended` is its
 * `onRunsEnded` callback, called after each batch commits with the rows of the runs it ended.
 * Waiters are handed those rows, so answering them takes no read. Runs this process started are
 * remembered until they end (at most `maxStarting`; a forgotten one is read first, as any other).
 */
export function pushedRunWatch(maxStarting = MAX_STARTING_RUNS): Required<RunWatch> & {
  ended(rows: readonly Run[]): void;
} {
  const waiters = new Waiters();
  const starting = new StartingRuns(maxStarting);
  return {
    changed: (runId, seenSeq, timeoutMs) => waiters.wait(runId, seenSeq, timeoutMs),
    starting: (runId) => starting.add(runId),
    isStarting: (runId) => starting.has(runId),
    ended(rows) {
      for (const row of rows) {
        starting.delete(row.run_id);
        waiters.advanced(row.run_id, Number(row.last_seq), row);
      }
    },
  };
}

export interface NotifiedRunWatchOptions {
  /** Reads of `workflow_runs` (the API's pool). */
  readonly db: Kysely<Database>;
  /** The database `db` is on, for the one dedicated connection that LISTENs. */
  readonly connectionString: string;
  readonly logger: Logger;
  /** While anyone waits, how often to read every waited run, for notices lost while not listening (default 1 s). */
  readonly safetyPollMs?: number;
  /** First delay before connecting again after the listening connection failed; doubles up to `reconnectMaxMs` (default 100 ms). */
  readonly reconnectMinMs?: number;
  /** Default 5 s. */
  readonly reconnectMaxMs?: number;
  /** `application_name` of the listening connection (default `weft-run-watch`). */
  readonly applicationName?: string;
  /** How many runs this process started it remembers until they end (default MAX_STARTING_RUNS). */
  readonly maxStarting?: number;
}

/**
 * For an API process apart from the projection writer (distributed mode): woken by the
 * RUN_STATUS_CHANNEL notices the triggers on `workflow_runs` send when a run's status changes
 * (migrations 0008 and 0009), on one dedicated connection that LISTENs and connects again, with
 * backoff, when it fails. An end is what a long poll waits for: a notice of a run that started or
 * paused wakes nobody (a notice without a status, from before migration 0009, wakes its waiters),
 * and other progress of a run is not announced at all. Runs this process started (`starting`) are
 * remembered until their end is announced, so a long poll on one need not read it first.
 *
 * Two reads cover what notices cannot:
 * - after a waiter registers, one read of its run, for an end committed between the caller's read
 *   and the registration (its notice came before there was anyone to wake);
 * - while anyone waits, one read every `safetyPollMs` of every waited run, and one as soon as the
 *   connection listens again, for notices sent while it was not listening. It wakes the waiters of
 *   a run that has ended since this watch last read or heard of it.
 *
 * `close()` ends the connection and wakes every waiter; idempotent.
 */
export function notifiedRunWatch(
  opts: NotifiedRunWatchOptions,
): Required<RunWatch> & { close(): Promise<void> } {
  const { db, logger } = opts;
  const safetyPollMs = opts.safetyPollMs ?? 1_000;
  const reconnectMinMs = opts.reconnectMinMs ?? 100;
  const reconnectMaxMs = opts.reconnectMaxMs ?? 5_000;
  const waiters = new Waiters();
  const starting = new StartingRuns(opts.maxStarting ?? MAX_STARTING_RUNS);
  /** The status this watch last read or heard of each waited run (pruned by the safety poll). */
  const seenStatus = new Map<string, string>();
  let closed = false;
  let client: pg.Client | undefined;
  let failures = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let polling = false;

  const readRuns = (runIds: readonly string[]) =>
    db
      .selectFrom('workflow_runs')
      .select(['run_id', 'last_seq', 'status'])
      .where('run_id', 'in', runIds)
      .execute();

  /** The first read after a registration: wake on any progress past what the caller saw. */
  const readOnce = async (runId: string) => {
    try {
      const [row] = await readRuns([runId]);
      if (row === undefined || closed) return;
      seenStatus.set(row.run_id, row.status);
      if (ENDED_RUN_STATUSES.has(row.status)) waiters.advanced(row.run_id, Number(row.last_seq));
    } catch (err) {
      // The safety poll reads it again.
      logger.warn({ err, run_id: runId }, 'run watch: cannot read a waited run');
    }
  };

  const poll = async () => {
    pollTimer = undefined;
    if (closed || polling) return;
    for (const runId of seenStatus.keys()) if (!waiters.byRun.has(runId)) seenStatus.delete(runId);
    const runIds = [...waiters.byRun.keys()];
    if (runIds.length === 0) return;
    polling = true;
    try {
      for (const row of await readRuns(runIds)) {
        const before = seenStatus.get(row.run_id);
        seenStatus.set(row.run_id, row.status);
        if (before !== row.status && ENDED_RUN_STATUSES.has(row.status))
          waiters.advanced(row.run_id, Number(row.last_seq));
      }
    } catch (err) {
      logger.warn({ err }, 'run watch: cannot read the waited runs');
    } finally {
      polling = false;
    }
    schedulePoll();
  };

  const schedulePoll = () => {
    if (!closed && pollTimer === undefined && waiters.byRun.size > 0) {
      pollTimer = setTimeout(() => void poll(), safetyPollMs);
    }
  };

  const onNotification = (message: pg.Notification) => {
    if (message.channel !== RUN_STATUS_CHANNEL) return;
    const notice = parseRunStatusPayload(message.payload);
    if (notice === undefined) {
      logger.debug({ payload: message.payload }, 'run watch: ignored a malformed notice');
      return;
    }
    if (notice.status !== undefined) {
      if (waiters.byRun.has(notice.runId)) seenStatus.set(notice.runId, notice.status);
      // A start or a pause: nobody waits for that.
      if (!ENDED_RUN_STATUSES.has(notice.status)) return;
      starting.delete(notice.runId);
    }
    waiters.advanced(notice.runId, notice.lastSeq);
  };

  const listen = async () => {
    reconnectTimer = undefined;
    if (closed) return;
    const conn = new pg.Client({
      connectionString: opts.connectionString,
      application_name: opts.applicationName ?? 'weft-run-watch',
      keepAlive: true,
    });
    client = conn;
    let lost = false;
    const lose = (err?: unknown) => {
      if (lost) return;
      lost = true;
      if (client === conn) client = undefined;
      conn.removeListener('notification', onNotification);
      conn.end().catch(() => undefined);
      if (closed) return;
      failures += 1;
      const delay = Math.min(reconnectMaxMs, reconnectMinMs * 2 ** Math.min(failures - 1, 20));
      logger.warn({ err, retry_in_ms: delay }, 'run watch: the listening connection failed');
      reconnectTimer = setTimeout(() => void listen(), delay);
    };
    conn.on('error', lose);
    conn.on('end', () => lose(new Error('connection ended')));
    conn.on('notification', onNotification);
    try {
      await conn.connect();
      await conn.query(`listen ${RUN_STATUS_CHANNEL}`);
    } catch (err) {
      lose(err);
      return;
    }
    if (lost) return;
    if (closed) {
      lose();
      return;
    }
    if (failures > 0) logger.info({ failures }, 'run watch: listening again');
    failures = 0;
    // Whatever changed while nobody listened.
    if (pollTimer !== undefined) clearTimeout(pollTimer);
    void poll();
  };

  void listen();

  let closing: Promise<void> | undefined;
  return {
    starting: (runId) => starting.add(runId),
    isStarting: (runId) => starting.has(runId),
    changed(runId, seenSeq, timeoutMs) {
      const waiting = waiters.wait(runId, seenSeq, timeoutMs);
      if (!closed) {
        void readOnce(runId);
        schedulePoll();
      } else {
        waiters.wakeAll('closed');
      }
      return waiting;
    },
    close: () =>
      (closing ??= (async () => {
        closed = true;
        clearTimeout(reconnectTimer);
        clearTimeout(pollTimer);
        waiters.wakeAll('closed');
        const conn = client;
        client = undefined;
        await conn?.end().catch(() => undefined);
      })()),
  };
}
