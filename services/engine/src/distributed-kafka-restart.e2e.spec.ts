import { startKafkaBroker, startTestAgent, type KafkaBroker, type TestAgent } from '@weft/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDistributedStack, type DistributedStack } from './scenarios/distributed-stack';
import {
  callsInFlight,
  expectEachRunCompletedOnce,
  setUpPipeline,
  startRuns,
  statusCounts,
  type Pipeline,
} from './scenarios/in-flight-runs';

/**
 * Distributed mode while Kafka itself goes away: the services run on a broker of this file's own
 * (deploy/local/kafka.sh on free ports and a temporary log dir; the shared broker on 19092 is
 * never touched), which is SIGKILLed with runs in flight and started again on the same log dir.
 * The runs resume once it is back, each completing exactly once, and new runs start and complete.
 */
let broker: KafkaBroker | undefined;
let agent: TestAgent | undefined;
let stack: DistributedStack | undefined;
let pipeline: Pipeline | undefined;

beforeAll(async () => {
  agent = await startTestAgent();
  broker = await startKafkaBroker();
}, 120_000);

afterAll(async () => {
  pipeline?.release();
  try {
    await stack?.close();
  } finally {
    await broker?.destroy();
    await agent?.close();
  }
}, 120_000);

describe('distributed mode: Kafka restarted with runs in flight', () => {
  it('the broker is SIGKILLed and started again on its log dir: every run resumes and completes once', async () => {
    stack = await startDistributedStack({
      label: 'kafka_restart',
      brokers: broker!.brokers,
      disposableBroker: true,
    });
    const h = { api: stack.api, agent: agent! };
    const observed = await stack.observe([stack.topics.events]);
    pipeline = await setUpPipeline(h, 'outage');
    const runIds = await startRuns(h, pipeline.workflowId, 60);
    await callsInFlight(agent!, pipeline.methods.work, runIds.length);

    // Kafka dies with every run in flight; the agents answer while it is down, so the bridge holds
    // results it cannot report, and the other services lose their groups and transactions.
    await broker!.stop('SIGKILL');
    pipeline.work.open();
    await broker!.start();
    pipeline.finish.open();
    await expectEachRunCompletedOnce(stack, observed, runIds, 120_000);

    // Business as usual afterwards: new runs start and complete.
    const later = await startRuns(h, pipeline.workflowId, 10);
    await expectEachRunCompletedOnce(stack, observed, later);
    expect(await statusCounts(stack, [...runIds, ...later])).toEqual({ COMPLETED: 70 });
  }, 300_000);
});
