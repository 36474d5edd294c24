import { afterAll, beforeAll } from 'vitest';
import { eventLogContract } from '../event-log.contract';
import type { EventLog } from '../event-log.port';
import { openKafkaEventLog, type KafkaEventLogOptions } from './kafka-event-log';
import { connectOrExplain, deleteCreated, testAdmin, testBrokers, testRunPrefix } from './kafka-test-broker';

const runId = testRunPrefix();
const admin = testAdmin(`${runId}.admin`);

beforeAll(() => connectOrExplain(admin));
afterAll(() => admin.disconnect());

let counter = 0;

eventLogContract('kafka', async () => {
  const prefix = `${runId}.${++counter}.`;
  const topic = (name: string) => `${prefix}${name}`;
  const options: KafkaEventLogOptions = {
    brokers: testBrokers,
    clientId: `${prefix}client`,
    compactedTopics: [topic('state')],
    partitions: 3,
    kafkaLogLevel: 'nothing',
    consumer: {
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      maxWaitTimeMs: 200,
      retryBackoffMs: 100,
    },
    retry: { retries: 3, initialRetryTimeMs: 100 },
  };
  let log: EventLog = await openKafkaEventLog(options);
  return {
    get log() {
      return log;
    },
    topic,
    async reopen() {
      await log.close();
      log = await openKafkaEventLog(options);
      return log;
    },
    async close() {
      await log.close();
      await deleteCreated(admin, prefix);
    },
  };
});
