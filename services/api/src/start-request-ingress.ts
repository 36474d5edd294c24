import { decodeStartRequest, silentLogger, type Logger, type Topics, type WeftError } from '@weft/contracts';
import {
  deadLetterRecord,
  type ConsumerHandle,
  type EventLog,
  type LogRecord,
  type OutgoingRecord,
  type RecordBatch,
  type TransactionContext,
} from '@weft/eventlog';
import { prepareStartRun, startRunRecord, type StartRunDeps } from './start-run';

export interface StartRequestIngressOptions extends StartRunDeps {
  readonly log: EventLog;
  readonly topics: Topics;
  readonly logger?: Logger;
  /** Default `ingress`. */
  readonly groupId?: string;
  readonly maxBatchSize?: number;
}

export interface StartRequestIngress {
  start(): Promise<void>;
  /** Stop consuming after the batch in progress; idempotent. */
  stop(): Promise<void>;
}

export const INGRESS_GROUP = 'ingress';

/** The dead-letter reason of a request that cannot start a run: code, message, and each problem's pointer. */
export function rejectionReason(error: WeftError): string {
  const details = error.details.map((d) => `${d.pointer || '/'}: ${d.message}`);
  return [`${error.code}: ${error.message}`, ...details].join('; ');
}

/**
 * Start-run ingress (SPEC §7): `wf.start-requests` → StartRun commands on `wf.commands`. Each record
 * is checked exactly like `POST /workflows/{id}/runs` (prepareStartRun). A record that cannot start
 * a run (bad JSON, wrong shape, unknown workflow or agent, input_schema mismatch, unsupported step
 * type) goes to the dead-letter topic with its reason, and the next record is processed. Commands,
 * dead letters and the consumed position are written in one transaction, so a redelivered batch
 * starts nothing twice; an outage (the database is down) throws and the batch comes again.
 */
export function createStartRequestIngress(options: StartRequestIngressOptions): StartRequestIngress {
  const { log, topics } = options;
  const logger = options.logger ?? silentLogger;
  let consumer: ConsumerHandle | undefined;

  async function toCommandOrDeadLetter(record: LogRecord): Promise<OutgoingRecord> {
    const decoded = decodeStartRequest(record.value);
    const prepared = decoded.ok ? await prepareStartRun(options, decoded.value) : decoded;
    if (prepared.ok) {
      const command = prepared.value;
      logger.debug(
        { run_id: command.run_id, workflow_id: command.workflow_id, offset: record.offset },
        'start request accepted',
      );
      return startRunRecord(command, topics);
    }
    const reason = rejectionReason(prepared.error);
    logger.warn(
      { topic: record.topic, partition: record.partition, offset: record.offset, reason },
      'start request dead-lettered',
    );
    return deadLetterRecord(record, reason, topics.deadLetters);
  }

  async function onBatch(batch: RecordBatch, tx: TransactionContext): Promise<void> {
    const out: OutgoingRecord[] = [];
    for (const record of batch.records) out.push(await toCommandOrDeadLetter(record));
    tx.send(out);
  }

  return {
    async start() {
      consumer = await log.consumeTransactional(
        {
          groupId: options.groupId ?? INGRESS_GROUP,
          topics: [topics.startRequests],
          deadLetterTopic: topics.deadLetters,
          maxBatchSize: options.maxBatchSize ?? 100,
        },
        onBatch,
      );
      logger.info({}, 'start-request ingress started');
    },
    async stop() {
      await consumer?.stop();
      consumer = undefined;
    },
  };
}
