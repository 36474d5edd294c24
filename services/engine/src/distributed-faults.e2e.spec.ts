import { startTestAgent, waitFor, type TestAgent } from '@weft/testing';
import { AssignerProtocol } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
 * Distributed mode under process faults, on the shared Kafka broker and Postgres: services are
 * SIGKILLed with runs in flight (held there by gated agent steps, so "in flight" is a fact, not a
 * race) and restarted; every run must still complete exactly once. Each test has its own stack
 * (topic prefix, groups, schema). Kafka itself restarting: distributed-kafka-restart.e2e.spec.ts.
 */
let agent: TestAgent;
let stack: DistributedStack | undefined;
let pipeline: Pipeline | undefined;

beforeAll(async () => {
  agent = await startTestAgent();
});
afterEach(async () => {
  pipeline?.release();
  pipeline = undefined;
  const closing = stack;
  stack = undefined;
  await closing?.close();
}, 60_000);
afterAll(async () => {
  await agent?.close();
});

/** The partitions of wf.commands each step-scheduler process holds, by pid (from the group itself). */
async function schedulerAssignments(s: DistributedStack): Promise<Map<number, number[]>> {
  const { groups } = await s.admin.describeGroups([`${s.prefix}step-scheduler`]);
  const group = groups[0];
  const byPid = new Map<number, number[]>();
  if (group?.state !== 'Stable') return byPid;
  for (const member of group.members) {
    const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
    // Services name their Kafka clients `<service>-<pid>`.
    const pid = Number(member.clientId.slice(member.clientId.lastIndexOf('-') + 1));
    byPid.set(pid, [...(decoded?.assignment[s.topics.commands] ?? [])].sort());
  }
  return byPid;
}

describe('distributed mode: process faults with runs in flight', () => {
  it('SIGKILL of the step scheduler and the agent bridge with 200 runs in flight: after restart every run completes once', async () => {
    stack = await startDistributedStack({ label: 'crash' });
    const h = { api: stack.api, agent };
    const observed = await stack.observe([stack.topics.events]);
    pipeline = await setUpPipeline(h, 'crash');
    const runIds = await startRuns(h, pipeline.workflowId, 200);

    // Every run is at its second step, its call held by the agent.
    await callsInFlight(agent, pipeline.methods.work, 200);
    // Let the results go: the bridge reports them, the scheduler decides, the third calls begin…
    pipeline.work.open();
    await waitFor(() => agent.callCount(pipeline!.methods.finish) >= 10, {
      timeoutMs: 60_000,
      message: 'the third steps did not begin',
    });
    // …and kill both in the middle of it. No run can have completed: the third step is held.
    const [scheduler, bridge] = await Promise.all([
      stack.instance('step-scheduler').kill('SIGKILL'),
      stack.instance('agent-bridge').kill('SIGKILL'),
    ]);
    expect([scheduler, bridge]).toEqual([-1, -1]);
    expect((await statusCounts(stack, runIds))['COMPLETED']).toBeUndefined();

    await Promise.all([stack.start('step-scheduler'), stack.start('agent-bridge')]);
    pipeline.finish.open();
    await expectEachRunCompletedOnce(stack, observed, runIds);
    // At least once towards the agents: every invocation was called, some maybe twice, with one key.
    const keys = new Set(agent.calls(pipeline.methods.finish).map((c) => c.headers['idempotency-key']));
    expect(keys).toEqual(new Set(runIds.map((id) => `${id}/finish#1`)));
  });

  it('two step schedulers split the partitions; SIGKILL of one moves its runs to the other', async () => {
    stack = await startDistributedStack({ label: 'rebalance' });
    const h = { api: stack.api, agent };
    const first = stack.instance('step-scheduler');
    const second = await stack.start('step-scheduler', 'step-scheduler#2');
    const observed = await stack.observe([stack.topics.commands, stack.topics.events]);

    // One consumer group, two members, each with its own share of wf.commands' partitions.
    const split = await waitFor(
      async () => {
        const byPid = await schedulerAssignments(stack!);
        const a = byPid.get(first.pid) ?? [];
        const b = byPid.get(second.pid) ?? [];
        return byPid.size === 2 && a.length > 0 && b.length > 0 ? { a, b } : undefined;
      },
      { timeoutMs: 60_000, message: 'the two schedulers did not both get partitions' },
    );
    expect([...split.a, ...split.b].sort()).toEqual([0, 1, 2]);

    pipeline = await setUpPipeline(h, 'rebalance');
    const runIds = await startRuns(h, pipeline.workflowId, 30);
    // Each run is decided on the partition of its key (its StartRun's partition), by that partition's owner.
    const partitionOf = await waitFor(
      () => {
        const starts = observed
          .records()
          .filter((r) => r.topic === stack!.topics.commands && runIds.includes(r.key));
        const found = new Map(starts.map((r) => [r.key, r.partition]));
        return found.size === runIds.length ? found : undefined;
      },
      { timeoutMs: 30_000, message: 'the observer did not see every StartRun' },
    );
    const onSecond = runIds.filter((id) => split.b.includes(partitionOf.get(id)!));
    const onFirst = runIds.filter((id) => split.a.includes(partitionOf.get(id)!));
    expect(onSecond.length).toBeGreaterThan(0);
    expect(onFirst.length).toBeGreaterThan(0);
    // Both schedulers did their share: every run, on either's partitions, reached its second step.
    await callsInFlight(agent, pipeline.methods.work, runIds.length);

    expect(await second.kill('SIGKILL')).toBe(-1);
    pipeline.release();
    // The survivor takes the dead member's partitions once the group drops it…
    await waitFor(
      async () => {
        const byPid = await schedulerAssignments(stack!);
        return byPid.size === 1 && byPid.get(first.pid)?.length === 3;
      },
      { timeoutMs: 60_000, message: 'the surviving scheduler did not take every partition' },
    );
    // …and the runs keyed to them complete, as do all others, each exactly once.
    await expectEachRunCompletedOnce(stack, observed, runIds);
    expect(first.exited).toBe(false);
  });
});
