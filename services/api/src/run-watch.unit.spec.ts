import { describe, expect, it } from 'vitest';
import { pushedRunWatch } from './run-watch';

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('pushedRunWatch', () => {
  it('wakes a waiter once an event of its run beyond the seq it saw is applied', async () => {
    const watch = pushedRunWatch();
    const waiting = watch.changed('run-a', 3, 60_000);
    watch.applied([{ run_id: 'run-b', seq: 9 }]);
    expect(await settled(waiting)).toBe(false);
    watch.applied([{ run_id: 'run-a', seq: 3 }]);
    expect(await settled(waiting)).toBe(false);
    watch.applied([{ run_id: 'run-a', seq: 4 }]);
    expect(await settled(waiting)).toBe(true);
  });

  it('wakes every waiter of the run, and a waiter whose time is up', async () => {
    const watch = pushedRunWatch();
    const first = watch.changed('run-a', 0, 60_000);
    const second = watch.changed('run-a', 1, 60_000);
    const short = watch.changed('run-c', 0, 5);
    watch.applied([{ run_id: 'run-a', seq: 2 }]);
    expect(await settled(first)).toBe(true);
    expect(await settled(second)).toBe(true);
    expect(await first).toBe('advanced');
    expect(await short).toBe('timeout'); // resolves by itself
  });
});
