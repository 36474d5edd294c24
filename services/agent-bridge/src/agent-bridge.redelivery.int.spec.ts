import { randomUUID } from 'node:crypto';
import { decodeCommand, topicNames, WeftError, type RunEvent, type Topics } from '@weft/contracts';
import { openEmbeddedEventLog, type EventLog, type LogRecord } from '@weft/eventlog';
import { migrateToLatest, openPgliteStore, type Store } from '@weft/store';
import { startTestAgent, waitFor, type TestAgent } from '@weft/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { createAgentBridge } from './agent-bridge';

/**
 * Regression: the agent bridge when the log misbehaves as Kafka does while a broker is away (seen
 * in distributed-kafka-restart.e2e.spec.ts). A consumer restarted after losing the broker delivers
 * records the bridge had already begun: the bridge threw on them ("offset begun after") and the
 * partition never moved again. A result whose append failed was dropped, its record never
 * committed, and the run waited until a restart. The real embedded log underneath; the wrapper
 * only repeats a delivery or fails appends, as Kafka does.
 */
let store: Store;
let log: EventLog;
let agent: TestAgent;
let topics: Topics;
let testNumber = 0;
/** The run the test's steps belong to. */
let run: string;

beforeAll(async () => {
  store = await openPgliteStore();
  await migrateToLatest(store.db);
  log = await openEmbeddedEventLog({ db: store.db, idlePollMs: 50 });
  agent = await startTestAgent();
});
afterAll(async () => {
  await agent?.close();
  await log?.close();
  await store?.close();
});
beforeEach(() => {
  topics = topicNames(`r${++testNumber}.`);
  run = `00000000-0000-4000-8000-${String(testNumber).padStart(12, '0')}`;
});

/** The log, with every batch of the bridge's consumer delivered twice and the first `failAppends` appends of results failing. */
function misbehaving(options: { repeatDeliveries: boolean; failAppends: number }) {
  const errors: unknown[] = [];
  let failuresLeft = options.failAppends;
  const wrapped: EventLog = {
    produce: async (records) => {
      if (records.some((r) => r.topic === topics.commands) && failuresLeft > 0) {
        failuresLeft -= 1;
        throw new WeftError('UNAVAILABLE', 'producing failed (broker away)', { retryable: true });
      }
      return log.produce(records);
    },
    consume: (consumerOptions, handler) =>
      log.consume(consumerOptions, async (batch, ctx) => {
        await handler(batch, ctx);
        if (!options.repeatDeliveries) return;
        // As a consumer that restarted before committing: the same records again.
        await handler(batch, ctx).catch((e: unknown) => {
          errors.push(e);
          throw e;
        });
      }),
    consumeTransactional: (o, h) => log.consumeTransactional(o, h),
    readCompacted: (topic) => log.readCompacted(topic),
    close: async () => {},
  };
  return { log: wrapped, errors, failuresLeft: () => failuresLeft };
}

/** StepScheduled events of agent steps `s<from>`..`s<to - 1>`; resolves to their invocation ids. */
async function scheduleSteps(from: number, to: number): Promise<string[]> {
  const ids = Array.from({ length: to - from }, (_, k) => `${run}/s${from + k}#1`);
  const events: RunEvent[] = ids.map((invocationId, k) => ({
    run_id: run,
    seq: from + k + 1,
    recorded_at: '2026-01-01T00:00:00.000Z',
    type: 'StepScheduled',
    step_path: `s${from + k}`,
    data: {
      step_id: `s${from + k}`,
      step_type: 'agent',
      attempt: 1,
      invocation_id: invocationId,
      agent_name: 'worker',
      input: { i: from + k },
    },
  }));
  await log.produce(events.map((e) => ({ topic: topics.events, key: run, value: JSON.stringify(e) })));
  return ids;
}

/** The invocation ids of the results reported on wf.commands, once `count` distinct ones are there. */
async function reportedInvocations(count: number): Promise<string[]> {
  const seen: LogRecord[] = [];
  const handle = await log.consume(
    { groupId: `reader-${randomUUID()}`, topics: [topics.commands] },
    async (b) => {
      seen.push(...b.records);
    },
  );
  try {
    return await waitFor(
      () => {
        const ids = new Set(
          seen.flatMap((r) => {
            const decoded = decodeCommand(r.value);
            return decoded.ok && decoded.value.type === 'ReportStepResult'
              ? [decoded.value.invocation_id]
              : [];
          }),
        );
        return ids.size >= count ? [...ids].sort() : undefined;
      },
      { timeoutMs: 20_000, message: `fewer than ${count} results reported` },
    );
  } finally {
    await handle.stop();
  }
}

function startBridge(wrapped: EventLog) {
  const endpoint = { name: 'worker', url: agent.url, method: 'work', timeout_seconds: 5, headers: {} };
  const bridge = createAgentBridge({
    log: wrapped,
    topics,
    agents: async (n) => (n === 'worker' ? endpoint : undefined),
    groupId: `bridge-${randomUUID()}`,
  });
  onTestFinished(() => bridge.stop());
  return bridge.start();
}

describe('agent bridge: redelivered records and failed appends', () => {
  it('records delivered again (a restarted consumer) are called again and reported; the partition goes on', async () => {
    const faulty = misbehaving({ repeatDeliveries: true, failAppends: 0 });
    await startBridge(faulty.log);
    const first = await scheduleSteps(0, 3);
    expect(await reportedInvocations(3)).toEqual([...first].sort());
    // The partition still moves: later records are called and reported too.
    const later = await scheduleSteps(3, 5);
    expect(await reportedInvocations(5)).toEqual([...first, ...later].sort());
    expect(faulty.errors).toEqual([]);
  });

  it('a result whose append fails is appended again until the log takes it', async () => {
    const faulty = misbehaving({ repeatDeliveries: false, failAppends: 3 });
    await startBridge(faulty.log);
    const invocations = await scheduleSteps(0, 1);
    expect(await reportedInvocations(1)).toEqual(invocations);
    expect(faulty.failuresLeft()).toBe(0);
    expect(agent.calls('work').filter((c) => c.id === invocations[0])).toHaveLength(1);
  });
});

describe('agent bridge: events it does not act on', () => {
  it('skips, unread, an event whose event_type header names another type; parks one it cannot read', async () => {
    await startBridge(log);
    await log.produce([
      // Not even parsed: its header says it is not a StepScheduled.
      { topic: topics.events, key: run, value: '{', headers: { event_type: 'StepStarted' } },
      // No header: parsed, found not to be JSON, parked.
      { topic: topics.events, key: run, value: '{' },
    ]);
    const invocations = await scheduleSteps(0, 1);
    expect(await reportedInvocations(1)).toEqual(invocations);
    const parked: LogRecord[] = [];
    const handle = await log.consume(
      { groupId: `dead-${randomUUID()}`, topics: [topics.deadLetters] },
      async (b) => void parked.push(...b.records),
    );
    try {
      await waitFor(() => parked.length >= 1, { message: 'the unreadable event was parked' });
      // Give a second dead letter the time to arrive, if the bridge wrongly made one.
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await handle.stop();
    }
    expect(parked.map((r) => [r.value, r.headers['event_type']])).toEqual([['{', undefined]]);
  });
});
