import { setTimeout as sleep } from 'node:timers/promises';
import {
  decodeEventOfTypes,
  silentLogger,
  type EventOf,
  type Logger,
  type ReportStepResult,
  type Topics,
} from '@weft/contracts';
import {
  deadLetterRecord,
  eventTypeOf,
  jsonHeaders,
  OffsetTracker,
  type BatchContext,
  type ConsumerHandle,
  type EventLog,
  type OutgoingRecord,
  type RecordBatch,
} from '@weft/eventlog';
import type { AgentDirectory, AgentEndpoint } from './agent-directory';
import {
  createCircuitGuard,
  type Admission,
  type AgentCircuitBreaker,
  type CircuitGuard,
  type CircuitGuardStats,
  type CircuitTransitionSink,
} from './circuit-guard';
import { callAgent, type AgentOutcome } from './jsonrpc-client';

/** The events the bridge acts on. */
const AGENT_BRIDGE_EVENTS: ReadonlySet<string> = new Set(['StepScheduled']);

export interface AgentBridgeOptions {
  readonly log: EventLog;
  readonly topics: Topics;
  readonly agents: AgentDirectory;
  readonly logger?: Logger;
  readonly groupId?: string;
  /** Agent calls in flight at once; fetching pauses at this many. */
  readonly maxInFlight?: number;
  readonly now?: () => Date;
  /** How long stop() waits for calls in flight before abandoning them (they are redelivered on restart). */
  readonly drainTimeoutMs?: number;
  /**
   * The agents' circuit breaker (SPEC F5), shared by every bridge instance. An OPEN circuit fails
   * the attempt with error kind `circuit_open` without calling the agent (the retry policy then
   * applies). When the breaker cannot answer, calls go ahead (fail open). None: no breaker.
   */
  readonly breaker?: AgentCircuitBreaker;
  /**
   * How long a success recorded into an agent's CLOSED circuit admits further calls to it without
   * asking the breaker (see `CircuitGuardOptions.closedTrustMs`; default 250 ms, 0: ask every time).
   */
  readonly circuitClosedTrustMs?: number;
  /** Also receives every transition appended to the agent-events topic (e.g. a table writer). */
  readonly onTransition?: CircuitTransitionSink;
  /**
   * Largest result record (the ReportStepResult command as JSON) reported as it is; a larger one
   * fails the step with error kind `output_too_large`. Default 1,000,000 bytes: a result is carried
   * again in the step's events and in the run's state, so it stays well under what a record may
   * take (4 MiB when read, `MAX_RECORD_BYTES`; 16 MiB on the Kafka topics this engine creates, 1 MiB
   * on topics with the broker's default).
   */
  readonly maxResultBytes?: number;
}

export const DEFAULT_MAX_RESULT_BYTES = 1_000_000;

export interface AgentBridge {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly inFlight: number;
  /** Circuit breaker counters of this instance (all 0 without a breaker). */
  readonly circuit: CircuitGuardStats;
}

export const AGENT_BRIDGE_GROUP = 'agent-bridge';

/**
 * JSON-RPC 2.0 params must be an object or an array: a step input that is neither (a number, a
 * string, null) is sent as `{ "input": <value> }`; no input at all as `{}`.
 */
export function toJsonRpcParams(input: unknown): object {
  if (input === undefined) return {};
  return typeof input === 'object' && input !== null ? input : { input };
}

/**
 * StepScheduled(agent) → JSON-RPC call → ReportStepResult command. Calls run concurrently; the
 * group's position is committed up to the oldest call still in flight, so after a crash every
 * call whose result was not reported is made again (at-least-once; the invocation id is the
 * agent's idempotency key, and the scheduler ignores duplicate results).
 */
export function createAgentBridge(options: AgentBridgeOptions): AgentBridge {
  const { log, topics, agents } = options;
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const maxInFlight = options.maxInFlight ?? 256;
  const maxResultBytes = options.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES;
  const shutdown = new AbortController();
  const trackers = new Map<string, OffsetTracker>();
  const calls = new Set<Promise<void>>();
  const commits = new Set<Promise<void>>();
  const committers = new WeakMap<OffsetTracker, { wanted?: number; running?: Promise<void> }>();
  let slotFreed: (() => void) | undefined;
  let consumer: ConsumerHandle | undefined;
  /** Stopping: no new calls start; the calls in flight finish and commit before the group is left. */
  let draining = false;
  const guard: CircuitGuard | undefined =
    options.breaker &&
    createCircuitGuard({
      breaker: options.breaker,
      log,
      topics,
      logger,
      ...(options.onTransition ? { onTransition: options.onTransition } : {}),
      ...(options.circuitClosedTrustMs === undefined ? {} : { closedTrustMs: options.circuitClosedTrustMs }),
    });

  async function waitForSlot(signal: AbortSignal): Promise<void> {
    while (calls.size >= maxInFlight && !signal.aborted && !draining) {
      await new Promise<void>((resolve) => (slotFreed = resolve));
    }
  }

  /**
   * The JSON-RPC call, unless the agent's circuit is open. Its outcome counts for the circuit:
   * `settled` is that report to the breaker, which runs beside the result's (it never throws).
   */
  async function callThroughCircuit(
    agent: AgentEndpoint,
    data: EventOf<'StepScheduled'>['data'],
  ): Promise<{ outcome: AgentOutcome; settled?: Promise<void> }> {
    const admission: Admission = guard ? await guard.admit(agent.name) : { call: true, counted: false };
    if (!admission.call) return { outcome: { ok: false, durationMs: 0, error: admission.error } };
    const outcome = await callAgent(
      {
        url: agent.url,
        method: agent.method,
        params: toJsonRpcParams(data.input),
        invocationId: data.invocation_id,
        headers: agent.headers,
        timeoutMs: data.timeout_ms ?? agent.timeout_seconds * 1000,
      },
      { signal: shutdown.signal },
    );
    // A call cut short by our own shutdown says nothing about the agent.
    if (guard && admission.counted && !shutdown.signal.aborted)
      return { outcome, settled: guard.settle(agent.name, outcome) };
    return { outcome };
  }

  async function invoke(event: EventOf<'StepScheduled'>): Promise<void> {
    const { data } = event;
    let outcome: AgentOutcome;
    let settled: Promise<void> | undefined;
    const agent = data.agent_name === undefined ? undefined : await agents(data.agent_name);
    if (!agent) {
      outcome = {
        ok: false,
        durationMs: 0,
        error: { kind: 'unknown_agent', message: `agent '${data.agent_name ?? ''}' is not registered` },
      };
    } else {
      ({ outcome, settled } = await callThroughCircuit(agent, data));
    }
    if (shutdown.signal.aborted) throw new Error('bridge stopping: result not reported');
    const command: ReportStepResult = {
      type: 'ReportStepResult',
      run_id: event.run_id,
      step_path: event.step_path,
      attempt: data.attempt,
      invocation_id: data.invocation_id,
      outcome: outcome.ok ? { ok: true, output: outcome.result } : { ok: false, error: outcome.error },
      duration_ms: outcome.durationMs,
      reported_at: now().toISOString(),
    };
    let value = JSON.stringify(command);
    const bytes = Buffer.byteLength(value);
    if (bytes > maxResultBytes) {
      // A result the log or the scheduler could not take would never be reported and the run
      // would wait for good: the step fails instead, saying why.
      logger.warn({ run_id: event.run_id, step_path: event.step_path, bytes }, 'agent result too large');
      value = JSON.stringify({
        ...command,
        outcome: {
          ok: false,
          error: {
            kind: 'output_too_large',
            message: `the agent's result takes ${bytes} bytes; the limit is ${maxResultBytes}`,
          },
        },
      } satisfies ReportStepResult);
    }
    // The outcome goes to the breaker and the result to the log at the same time: the result does
    // not wait for the breaker's round trip, and the call counts as done once both are.
    await Promise.all([
      report({ topic: topics.commands, key: event.run_id, value, headers: jsonHeaders(event.run_id) }),
      settled,
    ]);
  }

  /**
   * Append a result, trying again (backoff up to 10 s) while the log is unavailable (Kafka away):
   * the call was made and its result is kept until reported, unless the bridge stops first (then
   * the record is redelivered to the partition's next owner and the agent called again).
   */
  async function report(record: OutgoingRecord): Promise<void> {
    for (let delayMs = 250; ; delayMs = Math.min(delayMs * 2, 10_000)) {
      try {
        await log.produce([record]);
        return;
      } catch (e) {
        if (shutdown.signal.aborted) throw e;
        logger.warn(
          { err: e, run_id: record.key, retry_in_ms: delayMs },
          'result not reported yet; trying again',
        );
        await sleep(delayMs, undefined, { signal: shutdown.signal }).catch(() => undefined);
      }
    }
  }

  async function onBatch(batch: RecordBatch, ctx: BatchContext): Promise<void> {
    const partition = `${batch.topic}/${batch.partition}`;
    let tracker = trackers.get(partition);
    // A batch from an offset already begun is a redelivery (the consumer restarted after losing
    // the broker, or the partition came back after a rebalance): count the partition afresh and
    // call its records again (at least once, same idempotency key; the scheduler keeps the first
    // result). Calls still running end in the old tracker, which commits only what was reported.
    if (!tracker || batch.records[0]!.offset <= tracker.lastBegun) {
      trackers.set(partition, (tracker = new OffsetTracker()));
    }
    // One commit in flight per tracker: offsets that become committable meanwhile are committed
    // together (the latest) once it is done, rather than one request per finished record.
    const done = (offset: number) => {
      const committable = tracker.end(offset);
      if (committable === undefined) return;
      const committer = committers.get(tracker) ?? { wanted: undefined };
      committers.set(tracker, committer);
      committer.wanted = committable;
      if (committer.running) return;
      const commit = (async () => {
        while (committer.wanted !== undefined) {
          const next = committer.wanted;
          committer.wanted = undefined;
          await ctx
            .commit(next)
            .catch((e: unknown) => logger.warn({ err: e }, 'commit failed; calls will be redelivered'));
        }
        committer.running = undefined;
      })().finally(() => commits.delete(commit));
      committer.running = commit;
      commits.add(commit);
    };
    for (const record of batch.records) {
      // Records not begun are not committed: the partition's next owner gets them again.
      if (draining) return;
      tracker.begin(record.offset);
      // Only StepScheduled is checked against the schema; other events are skipped unread.
      const decoded = decodeEventOfTypes(record.value, AGENT_BRIDGE_EVENTS, eventTypeOf(record));
      if (decoded && !decoded.ok) {
        await log.produce([deadLetterRecord(record, decoded.error.message, topics.deadLetters)]);
        done(record.offset);
        continue;
      }
      const event = decoded?.value;
      if (event?.type !== 'StepScheduled' || event.data.step_type !== 'agent') {
        done(record.offset);
        continue;
      }
      await waitForSlot(ctx.signal);
      if (ctx.signal.aborted || draining) return;
      const call = invoke(event)
        .then(() => done(record.offset))
        .catch((e: unknown) =>
          logger.warn(
            { err: e, run_id: event.run_id, step_path: event.step_path },
            'agent call not reported',
          ),
        )
        .finally(() => {
          calls.delete(call);
          slotFreed?.();
        });
      calls.add(call);
    }
  }

  return {
    async start() {
      consumer = await log.consume(
        {
          groupId: options.groupId ?? AGENT_BRIDGE_GROUP,
          topics: [topics.events],
          deadLetterTopic: topics.deadLetters,
          autoCommit: false,
          maxBatchSize: 500,
          // Agent calls are at-least-once with a stable invocation id: a call made for a step
          // whose scheduling is lost in a crash is made again, with the same id, once re-decided.
          beforeDurable: true,
        },
        onBatch,
      );
      logger.info({ maxInFlight }, 'agent bridge started');
    },
    async stop() {
      // Finish the calls in flight (up to drainTimeoutMs) and commit their offsets while still a
      // member of the group, then leave it; calls still running after that are abandoned and
      // made again by the partition's next owner.
      draining = true;
      slotFreed?.();
      const drained = Promise.all([...calls]);
      const timeout = new Promise((resolve) => setTimeout(resolve, options.drainTimeoutMs ?? 5000).unref());
      await Promise.race([drained, timeout]);
      await Promise.all([...commits]);
      await consumer?.stop();
      consumer = undefined;
      shutdown.abort();
      await Promise.all([...calls]);
    },
    get inFlight() {
      return calls.size;
    },
    get circuit() {
      return guard?.stats ?? { failOpen: 0, rejected: 0, transitions: 0, unpublished: 0 };
    },
  };
}
