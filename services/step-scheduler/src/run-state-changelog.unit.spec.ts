import type { Command, RunEvent } from '@weft/contracts';
import type { OutgoingRecord } from '@weft/eventlog';
import { decide, endedRunState, isTerminalRun, type RunState } from '@weft/reducer';
import { describe, expect, it } from 'vitest';
import { RunStateChangelog } from './run-state-changelog';

const RUN = '00000000-0000-4000-8000-000000000001';
const TOPIC = 'wf.run-state';
const T0 = '2026-01-01T00:00:00.000Z';

const loopDefinition = (mode: 'sequential' | 'parallel') => ({
  workflow_id: 'loop',
  name: 'Loop',
  steps: [
    {
      id: 'each',
      type: 'loop',
      loop_over: '${workflow.input.items}',
      execution_mode: mode,
      ...(mode === 'parallel' ? { max_parallelism: 5 } : {}),
      loop_step: { id: 'work', agent_name: 'a', input_mapping: { item: '${loop.item}' } },
    },
  ],
});

/** The scheduler's side of one run: decide, keep the state, write the changelog per batch. */
class Scheduler {
  state: RunState | undefined;
  readonly changelog = new RunStateChangelog(TOPIC);
  eventBytes = 0;
  changelogBytes = 0;

  constructor(readonly topic: Map<string, string>) {}

  /** One batch of commands; its changelog records are applied to the topic as compaction keeps them. */
  batch(commands: readonly Command[]): RunEvent[] {
    const decided: RunEvent[] = [];
    for (const command of commands) {
      const { state, events } = decide(this.state, command, { now: T0 });
      if (events.length === 0 || !state) continue;
      this.state = state;
      decided.push(...events);
    }
    if (decided.length === 0 || !this.state) return decided;
    const json = decided.map((e) => JSON.stringify(e));
    this.eventBytes += json.reduce((n, j) => n + j.length, 0);
    const records = this.changelog.records(this.state, json);
    this.apply(records);
    if (isTerminalRun(this.state.status)) this.state = endedRunState(this.state);
    return decided;
  }

  apply(records: readonly OutgoingRecord[]): void {
    for (const r of records) {
      expect(r).toMatchObject({ topic: TOPIC, partitionKey: RUN });
      if (r.value === null) this.topic.delete(r.key);
      else {
        this.topic.set(r.key, r.value);
        this.changelogBytes += r.value.length;
      }
    }
  }

  /** Dispatched agent steps still running, from the state. */
  running(): string[] {
    return Object.entries(this.state?.steps ?? {})
      .filter(([, s]) => s.step_type === 'agent' && s.status === 'RUNNING')
      .map(([path]) => path);
  }
}

const start = (items: unknown[], mode: 'sequential' | 'parallel' = 'sequential'): Command => ({
  type: 'StartRun',
  run_id: RUN,
  workflow_id: 'loop',
  version: 1,
  definition: loopDefinition(mode),
  input: { items },
  requested_at: T0,
});

const result = (path: string, output: unknown): Command => ({
  type: 'ReportStepResult',
  run_id: RUN,
  step_path: path,
  attempt: 1,
  invocation_id: `${RUN}/${path}#1`,
  outcome: { ok: true, output },
  reported_at: T0,
});

/** What a restarted scheduler reads back. */
function restored(topic: ReadonlyMap<string, string>, changelog = new RunStateChangelog(TOPIC)) {
  const { runs, unreadable } = changelog.restore(topic, () => true);
  expect(unreadable).toEqual([]);
  return { state: runs.find((r) => r.run_id === RUN), changelog };
}

const plain = (state: RunState | undefined) => JSON.parse(JSON.stringify(state ?? null)) as unknown;

describe('run-state changelog: snapshots and deltas', () => {
  it('a restart at any batch of a sequential loop rebuilds exactly the state in memory', () => {
    const topic = new Map<string, string>();
    const s = new Scheduler(topic);
    const items = Array.from({ length: 300 }, (_, i) => ({ n: i, text: `item ${i}` }));
    s.batch([start(items)]);
    for (let i = 0; i < items.length; i++) {
      s.batch([result(`each[${i}]/work`, { done: i })]);
      if (i % 37 === 0 || i === items.length - 2)
        expect(plain(restored(topic).state)).toEqual(plain(s.state));
    }
    expect(s.state?.status).toBe('COMPLETED');
  });

  it('writes bytes in proportion to the events, not to the state times the batches (linear loops)', () => {
    const bytesPerItem = (n: number) => {
      const s = new Scheduler(new Map());
      s.batch([start(Array.from({ length: n }, (_, i) => ({ n: i, text: `item ${i}` })))]);
      for (let i = 0; i < n; i++) s.batch([result(`each[${i}]/work`, { done: i })]);
      expect(s.state?.status).toBe('COMPLETED');
      // Snapshots are written once the deltas since the last one outweigh it: at most about as many
      // bytes as the deltas themselves, which are the events.
      expect(s.changelogBytes).toBeLessThan(4 * s.eventBytes);
      return s.changelogBytes / n;
    };
    const small = bytesPerItem(500);
    const large = bytesPerItem(4_000);
    expect(large / small).toBeLessThan(1.5);
  });

  it('a restarted scheduler writes on from what it read: slots continue, stale ones are ignored', () => {
    const topic = new Map<string, string>();
    const first = new Scheduler(topic);
    const items = Array.from({ length: 120 }, (_, i) => i);
    first.batch([start(items, 'parallel')]);
    const step = (s: Scheduler) => {
      const running = s.running().sort();
      s.batch(running.slice(0, 2).map((p) => result(p, { p })));
    };
    for (let i = 0; i < 25; i++) step(first);
    // Several snapshot cycles have left stale slot records behind.
    expect([...topic.keys()].filter((k) => k.includes('/')).length).toBeGreaterThan(0);
    const second = new Scheduler(topic);
    const { state, changelog } = restored(topic);
    expect(plain(state)).toEqual(plain(first.state));
    second.state = state;
    Object.assign(second, { changelog });
    for (let i = 0; i < 25; i++) step(second);
    for (let i = 0; i < 25; i++) step(first);
    expect(plain(restored(topic).state)).toEqual(plain(first.state));
    expect(plain(second.state)).toEqual(plain(first.state));
  });

  it('an ended run keeps only its ended snapshot: every delta record is deleted', () => {
    const topic = new Map<string, string>();
    const s = new Scheduler(topic);
    s.batch([start(['a', 'b', 'c', 'd'])]);
    for (let i = 0; i < 3; i++) s.batch([result(`each[${i}]/work`, i)]);
    expect([...topic.keys()].some((k) => k.startsWith(`${RUN}/`))).toBe(true);
    s.batch([result('each[3]/work', 3)]);
    expect([...topic.keys()]).toEqual([RUN]);
    expect(plain(restored(topic).state)).toEqual(plain(s.state));
    expect(restored(topic).state).toMatchObject({ status: 'COMPLETED', definition: null, steps: {} });
  });

  it('refuses a run whose records do not add up, naming why; other runs are read', () => {
    const topic = new Map<string, string>();
    const s = new Scheduler(topic);
    s.batch([start(['a', 'b', 'c'])]);
    s.batch([result('each[0]/work', 0)]);
    const delta = topic.get(`${RUN}/0`)!;
    const other = '00000000-0000-4000-8000-000000000002';
    const cases: [string, Map<string, string>, RegExp][] = [
      ['garbage delta', new Map([...topic, [`${RUN}/0`, '{nope']]), /unreadable delta record 0/],
      [
        'a gap in seq',
        new Map([
          ...topic,
          [
            `${RUN}/0`,
            JSON.stringify((JSON.parse(delta) as RunEvent[]).map((e) => ({ ...e, seq: e.seq + 5 }))),
          ],
        ]),
        /starts at seq/,
      ],
      ['deltas without a snapshot', new Map([[`${RUN}/0`, delta]]), /without a snapshot/],
      [
        'a foreign run id',
        new Map([...topic, [`${RUN}/0`, delta.replaceAll(RUN, other)]]),
        /unreadable delta/,
      ],
    ];
    for (const [, records, reason] of cases) {
      const { runs, unreadable } = new RunStateChangelog(TOPIC).restore(records, () => true);
      expect(runs).toEqual([]);
      expect(unreadable).toEqual([{ runId: RUN, reason: expect.stringMatching(reason) }]);
    }
  });

  it('restores only the runs asked for', () => {
    const topic = new Map<string, string>();
    new Scheduler(topic).batch([start(['a'])]);
    expect(new RunStateChangelog(TOPIC).restore(topic, () => false)).toEqual({ runs: [], unreadable: [] });
  });
});
