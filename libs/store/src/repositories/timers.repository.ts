import type { ExpressionBuilder, Insertable, Selectable } from 'kysely';
import type { Database, TimersTable } from '../schema/database';
import type { Executor } from './executor';

export type Timer = Selectable<TimersTable>;
export type NewTimer = Omit<Insertable<TimersTable>, 'status' | 'fired_at' | 'claimed_until'>;
export interface TimerKey {
  readonly run_id: string;
  readonly timer_id: string;
}

export interface ClaimDueTimers {
  /** ISO timestamp: timers with `fire_at` at or before it are due. */
  readonly now: string;
  /** ISO timestamp the claim lasts until; after it another instance may claim the timer again. */
  readonly claimUntil: string;
  readonly limit: number;
}

/** Statements stay well below Postgres' 65,535 parameters. */
const CHUNK = 1000;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** `(run_id, timer_id) in ((…), …)` */
function keyIn(keys: readonly TimerKey[]) {
  return (eb: ExpressionBuilder<Database, 'timers'>) =>
    eb(
      eb.refTuple('run_id', 'timer_id'),
      'in',
      keys.map((k) => eb.tuple(k.run_id, k.timer_id)),
    );
}

/**
 * Insert pending timers; a timer that already exists (whatever its status) is left as it is, so a
 * redelivered request changes nothing. Returns the rows actually inserted.
 */
export async function insertTimers(db: Executor, timers: readonly NewTimer[]): Promise<Timer[]> {
  const inserted: Timer[] = [];
  for (const chunk of chunks(timers)) {
    const rows = await db
      .insertInto('timers')
      .values(chunk)
      .onConflict((oc) => oc.columns(['run_id', 'timer_id']).doNothing())
      .returningAll()
      .execute();
    inserted.push(...rows);
  }
  return inserted;
}

/** Cancel timers that are still pending; returns how many were. */
export async function cancelTimers(db: Executor, keys: readonly TimerKey[]): Promise<number> {
  let cancelled = 0;
  for (const chunk of chunks(keys)) {
    const result = await db
      .updateTable('timers')
      .set({ status: 'cancelled', claimed_until: null })
      .where('status', '=', 'pending')
      .where(keyIn(chunk))
      .executeTakeFirst();
    cancelled += Number(result.numUpdatedRows);
  }
  return cancelled;
}

/**
 * Claim up to `limit` due, pending, unclaimed timers (earliest `fire_at` first) until `claimUntil`.
 * One statement; `for update skip locked` makes concurrent claimers take disjoint sets, and a
 * committed claim keeps the timer from every other claimer until it lapses. Returns the claimed
 * timers in `fire_at` order.
 */
export async function claimDueTimers(db: Executor, claim: ClaimDueTimers): Promise<Timer[]> {
  const rows = await db
    .updateTable('timers')
    .set({ claimed_until: claim.claimUntil })
    .where(({ eb, refTuple, selectFrom }) =>
      eb(
        refTuple('run_id', 'timer_id'),
        'in',
        selectFrom('timers')
          .select(['run_id', 'timer_id'])
          .where('status', '=', 'pending')
          .where('fire_at', '<=', claim.now)
          .where((w) => w.or([w('claimed_until', 'is', null), w('claimed_until', '<=', claim.now)]))
          .orderBy('fire_at')
          .limit(claim.limit)
          .forUpdate()
          .skipLocked()
          .$asTuple('run_id', 'timer_id'),
      ),
    )
    .returningAll()
    .execute();
  return rows.sort(
    (a, b) =>
      Date.parse(a.fire_at) - Date.parse(b.fire_at) ||
      compare(a.run_id, b.run_id) ||
      compare(a.timer_id, b.timer_id),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Mark claimed timers fired (those cancelled meanwhile stay cancelled); returns how many were. */
export async function markTimersFired(
  db: Executor,
  keys: readonly TimerKey[],
  firedAt: string,
): Promise<number> {
  let fired = 0;
  for (const chunk of chunks(keys)) {
    const result = await db
      .updateTable('timers')
      .set({ status: 'fired', fired_at: firedAt, claimed_until: null })
      .where('status', '=', 'pending')
      .where(keyIn(chunk))
      .executeTakeFirst();
    fired += Number(result.numUpdatedRows);
  }
  return fired;
}

/** Give claimed timers back (their command could not be sent) so the next poll claims them again. */
export async function releaseTimers(db: Executor, keys: readonly TimerKey[]): Promise<number> {
  let released = 0;
  for (const chunk of chunks(keys)) {
    const result = await db
      .updateTable('timers')
      .set({ claimed_until: null })
      .where('status', '=', 'pending')
      .where(keyIn(chunk))
      .executeTakeFirst();
    released += Number(result.numUpdatedRows);
  }
  return released;
}

export async function getTimer(db: Executor, key: TimerKey): Promise<Timer | undefined> {
  return db
    .selectFrom('timers')
    .selectAll()
    .where('run_id', '=', key.run_id)
    .where('timer_id', '=', key.timer_id)
    .executeTakeFirst();
}
