import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openPgliteStore } from '../dialects/pglite-store';
import { useMigratedStore, type TestStore } from '../test-support/migrated-store';
import { openTestSchemaStore } from '../test-support/postgres-test-schema';
import {
  cancelTimers,
  claimDueTimers,
  getTimer,
  insertTimers,
  markTimersFired,
  releaseTimers,
  type NewTimer,
} from './timers.repository';

const RUN = '00000000-0000-4000-8000-000000000001';
const T0 = '2026-01-01T00:00:00.000Z';
const at = (seconds: number) => new Date(Date.parse(T0) + seconds * 1000).toISOString();
const timer = (timer_id: string, fireInSeconds: number): NewTimer => ({
  run_id: RUN,
  timer_id,
  purpose: 'step_timeout',
  fire_at: at(fireInSeconds),
  created_at: T0,
});
const key = (timer_id: string) => ({ run_id: RUN, timer_id });

function timersSuite(name: string, open: () => Promise<TestStore>) {
  describe(`timers repository on ${name}`, () => {
    const store = useMigratedStore(open, ['timers']);
    const db = () => store().db;

    it('inserts pending timers once: a repeated request changes nothing', async () => {
      const inserted = await insertTimers(db(), [timer('a', 10), timer('a', 99), timer('b', 5)]);
      expect(inserted.map((t) => t.timer_id).sort()).toEqual(['a', 'b']);
      expect(await getTimer(db(), key('a'))).toEqual({
        run_id: RUN,
        timer_id: 'a',
        purpose: 'step_timeout',
        fire_at: at(10),
        status: 'pending',
        created_at: T0,
        fired_at: null,
        claimed_until: null,
      });
      await cancelTimers(db(), [key('a')]);
      expect(await insertTimers(db(), [timer('a', 1)])).toEqual([]);
      expect(await getTimer(db(), key('a'))).toMatchObject({ status: 'cancelled', fire_at: at(10) });
      expect(await insertTimers(db(), [])).toEqual([]);
    });

    it('claims due, pending, unclaimed timers in fire_at order, up to the limit', async () => {
      await insertTimers(db(), [
        timer('late', 30),
        timer('c', 3),
        timer('a', 1),
        timer('b', 2),
        timer('x', 0),
      ]);
      expect(await cancelTimers(db(), [key('x'), key('nope')])).toBe(1);

      const first = await claimDueTimers(db(), { now: at(10), claimUntil: at(70), limit: 2 });
      expect(first.map((t) => t.timer_id)).toEqual(['a', 'b']);
      expect(first[0]?.claimed_until).toBe(at(70));
      const second = await claimDueTimers(db(), { now: at(10), claimUntil: at(70), limit: 10 });
      expect(second.map((t) => t.timer_id)).toEqual(['c']);
      expect(await claimDueTimers(db(), { now: at(10), claimUntil: at(70), limit: 10 })).toEqual([]);

      // Fired timers are done; a released claim and a lapsed claim may be taken again.
      expect(await markTimersFired(db(), [key('a')], at(11))).toBe(1);
      expect(await getTimer(db(), key('a'))).toMatchObject({
        status: 'fired',
        fired_at: at(11),
        claimed_until: null,
      });
      expect(await releaseTimers(db(), [key('b'), key('a')])).toBe(1);
      const again = await claimDueTimers(db(), { now: at(12), claimUntil: at(72), limit: 10 });
      expect(again.map((t) => t.timer_id)).toEqual(['b']);
      const lapsed = await claimDueTimers(db(), { now: at(71), claimUntil: at(131), limit: 10 });
      expect(lapsed.map((t) => t.timer_id)).toEqual(['c', 'late']);
    });

    it('never marks a timer fired once it was cancelled', async () => {
      await insertTimers(db(), [timer('a', 0)]);
      await claimDueTimers(db(), { now: at(1), claimUntil: at(61), limit: 10 });
      expect(await cancelTimers(db(), [key('a')])).toBe(1);
      expect(await markTimersFired(db(), [key('a')], at(2))).toBe(0);
      expect(await cancelTimers(db(), [key('a')])).toBe(0);
      expect(await getTimer(db(), key('a'))).toMatchObject({ status: 'cancelled', fired_at: null });
    });

    it('rejects an unknown status at the database', async () => {
      await insertTimers(db(), [timer('a', 0)]);
      await expect(sql`update timers set status = 'snoozed'`.execute(db())).rejects.toThrow(
        /timers_status_check/,
      );
    });
  });
}

timersSuite('PGlite (in memory)', () => openPgliteStore());
timersSuite('Postgres (fresh schema)', () => openTestSchemaStore('weft_timers_test'));
