import { topicNames, type StartRun } from '@weft/contracts';
import { openEmbeddedEventLog, type EventLog, type LogRecord } from '@weft/eventlog';
import { migrateToLatest, openPgliteStore, type Store } from '@weft/store';
import { waitFor } from '@weft/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStepScheduler } from './step-scheduler';

const RUN = '00000000-0000-4000-8000-0000000000aa';
const OTHER = '00000000-0000-4000-8000-0000000000bb';
const topics = topicNames('t.');
let store: Store;
let log: EventLog;

beforeEach(async () => {
  store = await openPgliteStore();
  await migrateToLatest(store.db);
  log = await openEmbeddedEventLog({ db: store.db, compactedTopics: [topics.runState], idlePollMs: 100 });
});
afterEach(async () => {
  await log.close();
  await store.close();
});

const startRun: StartRun = {
  type: 'StartRun',
  run_id: RUN,
  workflow_id: 'w',
  version: 1,
  definition: { workflow_id: 'w', name: 'W', steps: [{ id: 'a', agent_name: 'x' }] },
  input: { hello: 1 },
  requested_at: '2026-01-01T00:00:00.000Z',
};

async function read(topic: string, count: number): Promise<LogRecord[]> {
  const seen: LogRecord[] = [];
  const handle = await log.consume(
    { groupId: `reader-${topic}-${Math.random()}`, topics: [topic] },
    async (b) => void seen.push(...b.records),
  );
  try {
    await waitFor(() => seen.length >= count, {
      timeoutMs: 10_000,
      message: `${topic}: ${seen.length}/${count}`,
    });
  } finally {
    await handle.stop();
  }
  return seen;
}

describe('step scheduler on the embedded log', () => {
  it('parks poison commands on the dead-letter topic with the reason and keeps deciding', async () => {
    const scheduler = createStepScheduler({ log, topics, now: () => new Date('2026-01-01T00:00:01Z') });
    await scheduler.start();
    try {
      await log.produce([
        { topic: topics.commands, key: RUN, value: '{not json' },
        { topic: topics.commands, key: RUN, value: JSON.stringify({ type: 'StartRun', run_id: RUN }) },
        { topic: topics.commands, key: 'other-key', value: JSON.stringify(startRun) },
        { topic: topics.commands, key: RUN, value: JSON.stringify(startRun) },
      ]);
      const dead = await read(topics.deadLetters, 3);
      expect(dead.map((r) => r.headers['x-dead-letter-reason'])).toEqual([
        expect.stringContaining('not JSON'),
        expect.stringContaining('does not match'),
        expect.stringContaining('is not the command'),
      ]);
      expect(dead[0]!.value).toBe('{not json');
      const events = await read(topics.events, 2);
      expect(events.map((r) => JSON.parse(r.value).type)).toEqual(['RunStarted', 'StepScheduled']);
      expect(events.map((r) => r.key)).toEqual([RUN, RUN]);
      // Each event names its type in a header, so consumers can skip the types they ignore unread.
      expect(events.map((r) => r.headers)).toEqual([
        { 'content-type': 'application/json', run_id: RUN, event_type: 'RunStarted' },
        { 'content-type': 'application/json', run_id: RUN, event_type: 'StepScheduled' },
      ]);
    } finally {
      await scheduler.stop();
    }
  });

  it('restores run state from the changelog: a restarted scheduler continues the run and ignores duplicates', async () => {
    const first = createStepScheduler({ log, topics });
    await first.start();
    await log.produce([{ topic: topics.commands, key: RUN, value: JSON.stringify(startRun) }]);
    await read(topics.events, 2);
    await first.stop();

    const second = createStepScheduler({ log, topics });
    await second.start();
    try {
      expect(second.size).toBe(1);
      const result = {
        type: 'ReportStepResult',
        run_id: RUN,
        step_path: 'a',
        attempt: 1,
        invocation_id: `${RUN}/a#1`,
        outcome: { ok: true, output: { done: true } },
        reported_at: '2026-01-01T00:00:02.000Z',
      };
      await log.produce([
        { topic: topics.commands, key: RUN, value: JSON.stringify(startRun) },
        { topic: topics.commands, key: RUN, value: JSON.stringify(result) },
        { topic: topics.commands, key: RUN, value: JSON.stringify(result) },
        // A sentinel: once its run has started, every command before it has been decided.
        { topic: topics.commands, key: OTHER, value: JSON.stringify({ ...startRun, run_id: OTHER }) },
      ]);
      const all = (await read(topics.events, 6)).filter((r) => r.key === RUN);
      expect(all.map((r) => [JSON.parse(r.value).type, JSON.parse(r.value).seq])).toEqual([
        ['RunStarted', 1],
        ['StepScheduled', 2],
        ['StepCompleted', 3],
        ['RunCompleted', 4],
      ]);
      const state = (await log.readCompacted(topics.runState)).get(RUN);
      expect(JSON.parse(state!)).toMatchObject({ status: 'COMPLETED', seq: 4 });
    } finally {
      await second.stop();
    }
  });
});
