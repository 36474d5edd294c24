import { decodeCommand, silentLogger, type Logger, type Topics } from '@weft/contracts';
import {
  deadLetterRecord,
  eventHeaders,
  type ConsumerHandle,
  type EventLog,
  type OutgoingRecord,
  type RecordBatch,
  type TransactionContext,
} from '@weft/eventlog';
import { decide, endedRunState, isTerminalRun, type RunState } from '@weft/reducer';
import { RunStateChangelog } from './run-state-changelog';

export interface StepSchedulerOptions {
  readonly log: EventLog;
  readonly topics: Topics;
  readonly now?: () => Date;
  readonly logger?: Logger;
  readonly groupId?: string;
  readonly maxBatchSize?: number;
}

export interface StepScheduler {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Runs whose state is held in memory (for health and tests). */
  readonly size: number;
}

export const STEP_SCHEDULER_GROUP = 'step-scheduler';

/**
 * The only writer of run events. For each batch of commands: decide, stamp and evolve in memory,
 * then append the events, the touched runs' states and the consumed position in one transaction.
 * A command that cannot be decoded goes to the dead-letter topic in the same transaction.
 */
export function createStepScheduler(options: StepSchedulerOptions): StepScheduler {
  const { log, topics } = options;
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? silentLogger;
  const states = new Map<string, RunState>();
  const changelog = new RunStateChangelog(topics.runState);
  let consumer: ConsumerHandle | undefined;
  /**
   * Last offset decided per partition. A batch that does not start right after it is a redelivery
   * (at or before it) or follows records another instance decided on (after it). A partition whose
   * decisions went wrong (a decider threw) is removed: its next batch restores.
   */
  const decidedUpTo = new Map<string, number>();
  /** The partition whose commands this instance decided each run on. */
  const partitionOf = new Map<string, string>();

  /**
   * The states of `partition`'s runs (all runs: `undefined`) as the changelog has them. The log
   * hands batches of different partitions over at once, so the runs another partition decided on
   * keep their state: it may be ahead of the changelog by a batch whose transaction is under way.
   */
  async function restore(partition?: string): Promise<void> {
    const stored = await log.readCompacted(topics.runState);
    const replaced = (runId: string) => {
      const decidedIn = partitionOf.get(runId);
      return partition === undefined || decidedIn === undefined || decidedIn === partition;
    };
    for (const runId of [...states.keys()]) {
      if (!replaced(runId)) continue;
      states.delete(runId);
      changelog.forget(runId);
    }
    const { runs, unreadable } = changelog.restore(stored, replaced);
    for (const state of runs) states.set(state.run_id, state);
    for (const { runId, reason } of unreadable)
      logger.error({ run_id: runId, reason }, 'unreadable run state in changelog; run ignored');
  }

  async function onBatch(batch: RecordBatch, tx: TransactionContext): Promise<void> {
    const partition = `${batch.topic}/${batch.partition}`;
    const first = batch.records[0]!.offset;
    // Redelivery (a failed transaction, a rebalance): the in-memory states may hold decisions that
    // were never committed, so start again from the changelog. A partition this instance has not
    // decided on yet (start), or whose records in between another instance decided on (it had the
    // partition for a while), is treated the same way. Only this partition's runs are restored.
    const decided = decidedUpTo.get(partition);
    if (decided === undefined || first !== decided + 1) await restore(partition);
    /** The JSON of the events decided per run in this batch, in order. */
    const touched = new Map<string, string[]>();
    const out: OutgoingRecord[] = [];
    try {
      for (const record of batch.records) {
        const decoded = decodeCommand(record.value);
        if (!decoded.ok) {
          logger.warn({ offset: record.offset, reason: decoded.error.message }, 'command dead-lettered');
          out.push(deadLetterRecord(record, decoded.error.message, topics.deadLetters));
          continue;
        }
        const command = decoded.value;
        if (record.key !== command.run_id) {
          out.push(
            deadLetterRecord(
              record,
              `record key ${record.key} is not the command's run_id`,
              topics.deadLetters,
            ),
          );
          continue;
        }
        const { state, events } = decide(states.get(command.run_id), command, {
          now: now().toISOString(),
          random: Math.random,
        });
        if (events.length === 0 || !state) continue;
        states.set(command.run_id, state);
        partitionOf.set(command.run_id, partition);
        let runEvents = touched.get(command.run_id);
        if (!runEvents) touched.set(command.run_id, (runEvents = []));
        for (const event of events) {
          const json = JSON.stringify(event);
          runEvents.push(json);
          out.push({
            topic: topics.events,
            key: event.run_id,
            value: json,
            headers: eventHeaders(event),
          });
        }
      }
      for (const [runId, runEvents] of touched) {
        const state = states.get(runId)!;
        out.push(...changelog.records(state, runEvents));
        if (isTerminalRun(state.status)) states.set(runId, endedRunState(state));
      }
    } catch (e) {
      // A bug in a decider: this partition's states may be half-evolved. Throwing makes the log
      // redeliver the batch; the partition's states are restored from the changelog first.
      decidedUpTo.delete(partition);
      throw e;
    }
    tx.send(out);
    decidedUpTo.set(partition, batch.records[batch.records.length - 1]!.offset);
  }

  return {
    async start() {
      await restore();
      consumer = await log.consumeTransactional(
        {
          groupId: options.groupId ?? STEP_SCHEDULER_GROUP,
          topics: [topics.commands],
          deadLetterTopic: topics.deadLetters,
          maxBatchSize: options.maxBatchSize ?? 500,
          // Whatever it decides from a record is written to the same log after that record, so it
          // can only be durable if the record is: the next batch need not wait for the fsync.
          beforeDurable: true,
        },
        onBatch,
      );
      logger.info({ runs: states.size }, 'step scheduler started');
    },
    async stop() {
      await consumer?.stop();
      consumer = undefined;
    },
    get size() {
      return states.size;
    },
  };
}
