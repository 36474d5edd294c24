import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cacheCoordinatorLookups } from './kafka-coordinator-cache';
import { connectOrExplain, deleteCreated, testAdmin, testBrokers, testRunPrefix } from './kafka-test-broker';

const prefix = `${testRunPrefix()}.`;
const admin = testAdmin(`${prefix}admin`);
const topic = `${prefix}out`;

beforeAll(async () => {
  await connectOrExplain(admin);
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
});
afterAll(async () => {
  await deleteCreated(admin, prefix);
  await admin.disconnect();
});

it('asks for a transaction coordinator once, not once per transactional request', async () => {
  cacheCoordinatorLookups();
  const kafka = new Kafka({
    clientId: `${prefix}client`,
    brokers: [...testBrokers],
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({
    transactionalId: `${prefix}tx`,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  const requests: string[] = [];
  producer.on(producer.events.REQUEST, (e) => void requests.push(e.payload.apiName));
  await producer.connect();
  try {
    const before = requests.length;
    for (let i = 0; i < 3; i++) {
      const transaction = await producer.transaction();
      await transaction.send({ topic, messages: [{ key: 'k', value: String(i) }] });
      await transaction.sendOffsets({
        consumerGroupId: `${prefix}group`,
        topics: [{ topic, partitions: [{ partition: 0, offset: String(i + 1) }] }],
      });
      await transaction.commit();
    }
    const sent = requests.slice(before);
    // Each transaction: AddPartitionsToTxn, Produce, AddOffsetsToTxn, TxnOffsetCommit, EndTxn.
    expect(sent.filter((name) => name === 'EndTxn')).toHaveLength(3);
    // Without the cache kafkajs asks before AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit
    // and EndTxn: 12 lookups. The transactions here take well under the cache's second.
    expect(sent.filter((name) => name === 'GroupCoordinator').length).toBeLessThanOrEqual(2);
  } finally {
    await producer.disconnect();
  }
});
