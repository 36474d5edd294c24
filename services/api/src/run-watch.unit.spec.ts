import type { Run } from '@weft/store';
import { describe, expect, it } from 'vitest';
import { pushedRunWatch } from './run-watch';

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

/** A run's row as the projection hands it over; only what the watch looks at matters here. */
const row = (run_id: string, last_seq: number) => ({ run_id, last_seq, status: 'COMPLETED' }) as Run;

describe('pushedRunWatch', () => {
  it('wakes a waiter with the row of its run once it ended beyond the seq it saw', async () => {
    const watch = pushedRunWatch();
    const waiting = watch.changed('run-a', 3, 60_000);
    watch.ended([row('run-b', 9)]);
    expect(await settled(waiting)).toBe(false);
    watch.ended([row('run-a', 3)]);
    expect(await settled(waiting)).toBe(false);
    watch.ended([row('run-a', 4)]);
    expect(await waiting).toEqual({ why: 'advanced', row: row('run-a', 4) });
  });

  it('wakes every waiter of the run, and a waiter whose time is up', async () => {
    const watch = pushedRunWatch();
    const first = watch.changed('run-a', 0, 60_000);
    const second = watch.changed('run-a', 1, 60_000);
    const short = watch.changed('run-c', 0, 5);
    watch.ended([row('run-a', 2)]);
    expect(await settled(first)).toBe(true);
    expect(await settled(second)).toBe(true);
    expect(await first).toMatchObject({ why: 'advanced' });
    expect(await short).toEqual({ why: 'timeout' }); // resolves by itself
  });

  it('remembers the runs this process starts until they end, at most maxStarting of them', () => {
    const watch = pushedRunWatch(2);
    watch.starting('run-a');
    watch.starting('run-b');
    expect(watch.isStarting('run-a')).toBe(true);
    watch.ended([row('run-a', 5)]);
    expect(watch.isStarting('run-a')).toBe(false);
    watch.starting('run-c');
    watch.starting('run-d'); // over the bound: the oldest (run-b) is forgotten
    expect(['run-b', 'run-c', 'run-d'].map((id) => watch.isStarting(id))).toEqual([false, true, true]);
  });
});
