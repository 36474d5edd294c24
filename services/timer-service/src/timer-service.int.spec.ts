import { topicNames, type RunEvent, type Topics } from '@weft/contracts';
import { openEmbeddedEventLog, type EventLog } from '@weft/eventlog';
import { getTimer, insertTimers, migrateToLatest, openPgliteStore, type Store } from '@weft/store';
import { waitFor } from '@weft/testing';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { manualClock, readTopic, readUntil } from './test-support/read-topic';
import { createTimerService, type TimerService } from './timer-service';

const RUN = '00000000-0000-4000-8000-0000000000aa';
const T0 = '2026-01-01T00:00:00.000Z';
const after = (ms: number, from = T0) => new Date(Date.parse(from) + ms).toISOString();
const HOUR = 3_600_000;
/** Long enough that only the test (fireDue, start) makes timers fire. */
const NEVER_POLL = 10 * HOUR;

// One database for the file (PGlite takes seconds to start); each test gets fresh topics and an
// empty timers table.
let store: Store;
let log: EventLog;
let topics: Topics;
let testNumber = 0;
const services: TimerService[] = [];

beforeAll(async () => {
  store = await openPgliteStore();
  await migrateToLatest(store.db);
  log = await openEmbeddedEventLog({ db: store.db, idlePollMs: 100 });
});
afterAll(async () => {
  await log.close();
  await store.close();
});
beforeEach(async () => {
  topics = topicNames(`t${++testNumber}.`);
  await sql`truncate timers`.execute(store.db);
});
afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
});

function service(opts: Partial<Parameters<typeof createTimerService>[0]> = {}): TimerService {
  const created = createTimerService({ log, topics, db: store.db, ...opts });
  services.push(created);
  return created;
}

let seq = 0;
function event(e: Omit<RunEvent, 'seq' | 'recorded_at' | 'run_id'> & { run_id?: string }): RunEvent {
  return { run_id: RUN, seq: ++seq, recorded_at: T0, ...e } as RunEvent;
}
const requested = (timer_id: string, fire_at: string, run_id = RUN) =>
  event({ type: 'TimerRequested', run_id, data: { timer_id, purpose: 'step_timeout', fire_at } });
const cancelled = (timer_id: string) => event({ type: 'TimerCancelled', data: { timer_id } });

async function publish(...events: RunEvent[]): Promise<void> {
  await log.produce(events.map((e) => ({ topic: topics.events, key: e.run_id, value: JSON.stringify(e) })));
}
const timerRow = (timer_id: string, run_id = RUN) => getTimer(store.db, { run_id, timer_id });
async function fireCommands() {
  return (await readTopic(log, topics.commands)).map((r) => ({ key: r.key, ...JSON.parse(r.value) }));
}

describe('timer service on the embedded log', () => {
  it('fires a requested timer once, with a FireTimer command, when it is due and not before', async () => {
    const clock = manualClock(T0);
    const timers = service({ now: clock.now, pollIntervalMs: NEVER_POLL });
    await timers.start();
    await publish(requested('a/timeout#1', after(HOUR)));
    await waitFor(() => timerRow('a/timeout#1'));

    clock.set(after(HOUR - 1));
    expect(await timers.fireDue()).toBe(0);
    clock.set(after(HOUR));
    expect(await timers.fireDue()).toBe(1);
    expect(await timers.fireDue()).toBe(0);

    const records = await readTopic(log, topics.commands);
    expect(records).toHaveLength(1);
    expect(records[0]!.key).toBe(RUN);
    expect(records[0]!.headers).toMatchObject({ 'content-type': 'application/json', run_id: RUN });
    expect(JSON.parse(records[0]!.value)).toEqual({
      type: 'FireTimer',
      run_id: RUN,
      timer_id: 'a/timeout#1',
      fired_at: after(HOUR),
    });
    expect(await timerRow('a/timeout#1')).toMatchObject({
      status: 'fired',
      fired_at: after(HOUR),
      created_at: T0,
      claimed_until: null,
    });
  });

  it('never fires a cancelled timer', async () => {
    const clock = manualClock(T0);
    const timers = service({ now: clock.now, pollIntervalMs: NEVER_POLL });
    await timers.start();
    await publish(requested('a', after(1000)), requested('b', after(1000)), cancelled('a'));
    await waitFor(async () => (await timerRow('a'))?.status === 'cancelled' && (await timerRow('b')));
    clock.set(after(HOUR));
    expect(await timers.fireDue()).toBe(1);
    expect((await fireCommands()).map((c) => c.timer_id)).toEqual(['b']);
  });

  it('keeps one timer for a repeated request, in one batch or redelivered later', async () => {
    const clock = manualClock(T0);
    const timers = service({ now: clock.now, pollIntervalMs: NEVER_POLL });
    await timers.start();
    await publish(requested('a', after(1000)), requested('a', after(2000)));
    await waitFor(() => timerRow('a'));
    await publish(requested('a', after(3000)), requested('b', after(4000)));
    await waitFor(() => timerRow('b'));
    expect(await timerRow('a')).toMatchObject({ status: 'pending', fire_at: after(1000) });

    clock.set(after(HOUR));
    expect(await timers.fireDue()).toBe(2);
    expect((await fireCommands()).map((c) => c.timer_id)).toEqual(['a', 'b']);
  });

  it('after a restart, fires timers that came due meanwhile at once, and no others', async () => {
    const clock = manualClock(T0);
    const first = service({ now: clock.now, pollIntervalMs: NEVER_POLL });
    await first.start();
    await publish(requested('due', after(60_000)), requested('later', after(2 * HOUR)));
    await waitFor(() => timerRow('later'));
    await first.stop();
    await first.stop();
    await expect(first.start()).rejects.toMatchObject({ code: 'ILLEGAL_STATE' });

    clock.set(after(HOUR));
    expect(await first.fireDue()).toBe(0);
    expect((await timerRow('due'))?.status).toBe('pending');

    const second = service({ now: clock.now, pollIntervalMs: NEVER_POLL });
    await second.start();
    const [fired] = await readUntil(log, topics.commands, (seen) => seen.length > 0);
    expect(JSON.parse(fired!.value)).toMatchObject({ timer_id: 'due', fired_at: after(HOUR) });
    expect((await timerRow('later'))?.status).toBe('pending');
  });

  it('wakes the poller for a short timer instead of waiting for the next poll', async () => {
    const timers = service({ pollIntervalMs: 10_000 });
    await timers.start();
    const fireAt = new Date(Date.now() + 100).toISOString();
    await publish(requested('short', fireAt));
    const [record] = await readUntil(log, topics.commands, (seen) => seen.length > 0, 5_000);
    const command = JSON.parse(record!.value);
    expect(command).toMatchObject({ type: 'FireTimer', timer_id: 'short' });
    expect(Date.parse(command.fired_at)).toBeGreaterThanOrEqual(Date.parse(fireAt));
  });

  it('with lingerMs, still fires a short timer when it is due and keeps a later one pending', async () => {
    const timers = service({ pollIntervalMs: 10_000, lingerMs: 200 });
    await timers.start();
    const fireAt = new Date(Date.now() + 50).toISOString();
    // Requested one by one within the linger: read together, the short one still wakes the poller.
    await publish(requested('soon', fireAt));
    await publish(requested('later', new Date(Date.now() + 60_000).toISOString()));
    const [record] = await readUntil(log, topics.commands, (seen) => seen.length > 0, 5_000);
    expect(JSON.parse(record!.value)).toMatchObject({ type: 'FireTimer', timer_id: 'soon' });
    expect(await timerRow('later')).toMatchObject({ status: 'pending' });
  });

  it('polls on its interval for timers it was not told about', async () => {
    const timers = service({ pollIntervalMs: 50 });
    await timers.start();
    const fireAt = new Date(Date.now() + 100).toISOString();
    // Written by another instance: this one gets no wake-up hint.
    await insertTimers(store.db, [{ run_id: RUN, timer_id: 'polled', purpose: 'retry', fire_at: fireAt }]);
    const [record] = await readUntil(log, topics.commands, (seen) => seen.length > 0, 5_000);
    const command = JSON.parse(record!.value);
    expect(command).toMatchObject({ type: 'FireTimer', timer_id: 'polled' });
    expect(Date.parse(command.fired_at)).toBeGreaterThanOrEqual(Date.parse(fireAt));
    await timers.stop();
    expect(await timers.fireDue()).toBe(0);
  });

  it('dead-letters malformed records and timer events, skips other events unchecked, keeps going', async () => {
    const timers = service({ pollIntervalMs: NEVER_POLL });
    await timers.start();
    const badPurpose = { ...requested('x', T0), data: { timer_id: 'x', purpose: 'nap', fire_at: T0 } };
    await log.produce([
      { topic: topics.events, key: RUN, value: '{not json' },
      { topic: topics.events, key: RUN, value: JSON.stringify(badPurpose) },
      // Not a timer event: not this service's to check (the projection writer parks it).
      { topic: topics.events, key: RUN, value: JSON.stringify({ type: 'StepCompleted', seq: 'x' }) },
    ]);
    await publish(requested('ok', after(HOUR)));
    await waitFor(() => timerRow('ok'));
    const dead = await readTopic(log, topics.deadLetters);
    expect(dead.map((r) => r.headers['x-dead-letter-reason'])).toEqual([
      expect.stringContaining('not JSON'),
      expect.stringContaining('/data/purpose'),
    ]);
    expect(dead[0]!.value).toBe('{not json');
    expect(dead[1]!.headers['x-dead-letter-topic']).toBe(topics.events);
    expect(await timerRow('x')).toBeUndefined();
  });

  it('leaves timers pending when their commands cannot be sent, and fires them later', async () => {
    const clock = manualClock(after(HOUR));
    await insertTimers(store.db, [{ run_id: RUN, timer_id: 'a', purpose: 'retry', fire_at: T0 }]);
    const broken: EventLog = {
      ...log,
      produce: () => Promise.reject(new Error('broker down')),
      consume: (o, h) => log.consume(o, h),
    };
    const failing = service({ log: broken, now: clock.now });
    await expect(failing.fireDue()).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(await timerRow('a')).toMatchObject({ status: 'pending', claimed_until: null });

    expect(await service({ now: clock.now }).fireDue()).toBe(1);
    expect((await fireCommands()).map((c) => c.timer_id)).toEqual(['a']);
  });
});
