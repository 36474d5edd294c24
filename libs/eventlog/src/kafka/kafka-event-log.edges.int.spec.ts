import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@weft/testing';
import { silentLogger } from '@weft/contracts';
import type { EventLog, LogRecord, RecordBatch } from '../event-log.port';
import { openKafkaEventLog } from './kafka-event-log';
import { connectOrExplain, deleteCreated, testAdmin, testBrokers, testRunPrefix } from './kafka-test-broker';
import { TransactionalProducers } from './kafka-transactions';

/** What the contract cannot say about Kafka: partitioning, foreign records, fencing, markers. */
const runId = testRunPrefix();
const admin = testAdmin(`${runId}.admin`);
const kafka = new Kafka({ clientId: `${runId}.raw`, brokers: [...testBrokers], logLevel: logLevel.NOTHING });
let counter = 0;

beforeAll(() => connectOrExplain(admin));
afterAll(() => admin.disconnect());

async function withLog(test: (log: EventLog, name: (n: string) => string) => Promise<void>): Promise<void> {
  const prefix = `${runId}.${++counter}.`;
  const name = (n: string) => `${prefix}${n}`;
  const log = await openKafkaEventLog({
    brokers: testBrokers,
    clientId: `${prefix}client`,
    compactedTopics: [name('state'), name('empty-state')],
    kafkaLogLevel: 'nothing',
    consumer: {
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 1_000,
      maxWaitTimeMs: 200,
      retryBackoffMs: 100,
    },
  });
  try {
    await test(log, name);
  } finally {
    await log.close();
    await deleteCreated(admin, prefix);
  }
}

/** Consume until `done(batches)` holds; returns the batches seen. */
async function consumeUntil(
  log: EventLog,
  groupId: string,
  topic: string,
  done: (batches: readonly RecordBatch[]) => boolean,
  maxBatchSize?: number,
): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  const handle = await log.consume(
    { groupId, topics: [topic], ...(maxBatchSize === undefined ? {} : { maxBatchSize }) },
    async (batch) => void batches.push(batch),
  );
  try {
    await waitFor(() => done(batches), { timeoutMs: 15_000, message: `consuming ${topic}` });
  } finally {
    await handle.stop();
  }
  return batches;
}

const records = (batches: readonly RecordBatch[]): LogRecord[] => batches.flatMap((b) => b.records);

describe('kafka event log, beyond the contract', () => {
  it('partitions by key as the Java client does (murmur2), spreading keys over partitions', async () => {
    await withLog(async (log, name) => {
      const t = name('keys');
      // Partitions of these keys over 3 partitions, computed with kafka-clients 3.9.1
      // (Utils.toPositive(Utils.murmur2(key)) % 3).
      const java: Record<string, number> = {
        a: 1,
        b: 2,
        'run-1': 1,
        'run-2': 2,
        '01J0000000000000000000000': 0,
      };
      const keys = Object.keys(java);
      await log.produce([...keys, ...keys].map((key, i) => ({ topic: t, key, value: String(i) })));
      const seen = records(await consumeUntil(log, name('g'), t, (b) => records(b).length >= 10));
      for (const r of seen) expect(r.partition).toBe(java[r.key]);
      expect(new Set(seen.map((r) => r.partition)).size).toBe(3);
    });
  });

  it('a partitionKey places a record where that key goes, plain and in transactions', async () => {
    await withLog(async (log, name) => {
      const t = name('partition-keys');
      const input = name('partition-keys-in');
      // 'a' → 1, 'b' → 2, '01J…' → 0 (see above); the keys themselves would hash elsewhere.
      const placed = { a: 1, b: 2, '01J0000000000000000000000': 0 };
      await log.produce(
        Object.keys(placed).map((pk) => ({ topic: t, key: `${pk}/plain`, value: 'plain', partitionKey: pk })),
      );
      await log.produce([{ topic: input, key: 'x', value: 'go' }]);
      const handle = await log.consumeTransactional(
        { groupId: name('tx'), topics: [input] },
        async (_b, tx) =>
          tx.send(
            Object.keys(placed).map((pk) => ({ topic: t, key: `${pk}/tx`, value: 'tx', partitionKey: pk })),
          ),
      );
      try {
        const seen = records(await consumeUntil(log, name('g'), t, (b) => records(b).length >= 6));
        expect(seen.map((r) => [r.key, r.partition]).sort()).toEqual(
          Object.entries(placed)
            .flatMap(([pk, partition]) => [
              [`${pk}/plain`, partition],
              [`${pk}/tx`, partition],
            ])
            .sort(),
        );
      } finally {
        await handle.stop();
      }
    });
  });

  it('splits a partition into batches of at most maxBatchSize, in order', async () => {
    await withLog(async (log, name) => {
      const t = name('split');
      await log.produce([1, 2, 3, 4, 5, 6, 7].map((n) => ({ topic: t, key: 'k', value: String(n) })));
      const batches = await consumeUntil(log, name('g'), t, (b) => records(b).length >= 7, 3);
      expect(batches.every((b) => b.records.length <= 3)).toBe(true);
      expect(records(batches).map((r) => r.value)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    });
  });

  it('lingerMs: a fetch waits for records that arrive meanwhile, so they come in fewer batches', async () => {
    await withLog(async (log, name) => {
      const t = name('linger');
      await log.produce([{ topic: t, key: 'k', value: '0' }]);
      const batches: RecordBatch[] = [];
      const handle = await log.consume(
        { groupId: name('g'), topics: [t], lingerMs: 1_000 },
        async (batch) => void batches.push(batch),
      );
      try {
        await waitFor(() => batches.length > 0, { timeoutMs: 15_000, message: 'the first record' });
        // Five records 10 ms apart, within one linger (the test log's fetches wait 200 ms at most):
        // one lingering fetch takes them, or two if one was already waiting.
        for (let n = 1; n <= 5; n++) {
          await log.produce([{ topic: t, key: 'k', value: String(n) }]);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await waitFor(() => records(batches).length === 6, { timeoutMs: 15_000, message: 'all six' });
        expect(batches.length - 1).toBeLessThanOrEqual(2);
        expect(records(batches).map((r) => r.value)).toEqual(['0', '1', '2', '3', '4', '5']);
      } finally {
        await handle.stop();
      }
    });
  });

  it('skips records that are not ours, converts Buffer headers, and commits past what it skipped', async () => {
    await withLog(async (log, name) => {
      const t = name('foreign');
      const group = name('g');
      await log.produce([{ topic: t, key: 'k', value: 'before' }]);
      const raw = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await raw.connect();
      try {
        await raw.send({
          topic: t,
          messages: [
            { key: 'k', value: 'raw', headers: { h: Buffer.from('x'), multi: ['1', '2'] } },
            { key: 'k', value: null },
            { key: 'k', value: Buffer.from([0xff, 0xfe]) },
          ],
        });
      } finally {
        await raw.disconnect();
      }
      const seen: LogRecord[] = [];
      const handle = await log.consume(
        { groupId: group, topics: [t] },
        async (b) => void seen.push(...b.records),
      );
      try {
        const partition = (await waitFor(() => seen[0])).partition;
        const { high } = (await admin.fetchTopicOffsets(t)).find((p) => p.partition === partition)!;
        // The group's position moves past the two skipped records at the end.
        await waitFor(
          async () => {
            const [committed] = await admin.fetchOffsets({ groupId: group, topics: [t] });
            return committed?.partitions.find((p) => p.partition === partition)?.offset === high;
          },
          { timeoutMs: 10_000, message: 'position past the skipped records' },
        );
      } finally {
        await handle.stop();
      }
      expect(seen.map((r) => r.value)).toEqual(['before', 'raw']);
      expect(seen[1]!.headers).toEqual({ h: 'x', multi: '2' });
    });
  });

  it('with a deadLetterTopic, parks what it cannot read (bytes and headers kept, reason added) and goes on', async () => {
    await withLog(async (log, name) => {
      const t = name('poison');
      const dead = name('dead-letters');
      const raw = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await raw.connect();
      try {
        await log.produce([{ topic: t, key: 'k', value: 'first' }]);
        await raw.send({
          topic: t,
          messages: [
            { key: 'k', value: Buffer.from([0xff, 0xfe, 0x01]), headers: { origin: 'upstream' } },
            { key: 'k', value: null },
          ],
        });
        await log.produce([{ topic: t, key: 'k', value: 'after' }]);
      } finally {
        await raw.disconnect();
      }
      const seen: LogRecord[] = [];
      const handle = await log.consume(
        { groupId: name('g'), topics: [t], deadLetterTopic: dead },
        async (b) => void seen.push(...b.records),
      );
      const parked: { value: Buffer | null; headers: Record<string, string> }[] = [];
      const reader = kafka.consumer({ groupId: name('dlq-reader'), maxWaitTimeInMs: 200 });
      try {
        await waitFor(() => seen.length >= 2, { timeoutMs: 15_000, message: 'the readable records' });
        await reader.connect();
        await reader.subscribe({ topics: [dead], fromBeginning: true });
        await reader.run({
          eachMessage: async ({ message }) =>
            void parked.push({
              value: message.value,
              headers: Object.fromEntries(
                Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
              ),
            }),
        });
        await waitFor(() => parked.length >= 2, { timeoutMs: 15_000, message: 'the parked records' });
      } finally {
        await reader.disconnect();
        await handle.stop();
      }
      expect(seen.map((r) => r.value)).toEqual(['first', 'after']);
      expect(parked.map((p) => p.value)).toEqual([Buffer.from([0xff, 0xfe, 0x01]), null]);
      expect(parked[0]!.headers).toMatchObject({
        origin: 'upstream',
        'x-dead-letter-reason': 'value is not UTF-8 text',
        'x-dead-letter-topic': t,
        'x-dead-letter-offset': '1',
      });
      expect(parked[1]!.headers['x-dead-letter-reason']).toMatch(/null value/);
    });
  });

  it('groups concurrent appends, more than one sendBatch takes, and close() waits for every queued one', async () => {
    const prefix = `${runId}.${++counter}.`;
    const t = `${prefix}grouped`;
    const log = await openKafkaEventLog({
      brokers: testBrokers,
      clientId: `${prefix}writer`,
      kafkaLogLevel: 'nothing',
    });
    // 30 appends of 100 records each, all queued at once: several grouped sends (at most 1,000 records each).
    const appends = Array.from({ length: 30 }, (_, a) =>
      log.produce(
        Array.from({ length: 100 }, (_, i) => ({ topic: t, key: `k${i % 7}`, value: `${a}.${i}` })),
      ),
    );
    const closed = log.close();
    const outcomes = await Promise.allSettled(appends);
    await closed;
    try {
      expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
      const offsets = await admin.fetchTopicOffsets(t);
      expect(offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)).toBe(3_000);
    } finally {
      await deleteCreated(admin, prefix);
    }
  });

  it('readCompacted: an empty topic is an empty map; transactional writes (ending in markers) are read', async () => {
    await withLog(async (log, name) => {
      expect(await log.readCompacted(name('empty-state'))).toEqual(new Map());
      const input = name('in');
      const state = name('state');
      await log.produce(['a', 'b', 'c'].map((key) => ({ topic: input, key, value: key.toUpperCase() })));
      const handled = new Set<string>();
      const handle = await log.consumeTransactional(
        { groupId: name('tx'), topics: [input] },
        async (batch, tx) => {
          tx.send(batch.records.map((r) => ({ topic: state, key: r.key, value: r.value })));
          tx.send(
            batch.records
              .filter((r) => r.key === 'b')
              .map((r) => ({ topic: state, key: r.key, value: null })),
          );
          for (const r of batch.records) handled.add(r.key);
        },
      );
      try {
        await waitFor(() => handled.size === 3, { timeoutMs: 15_000 });
      } finally {
        await handle.stop();
      }
      // Each partition of the state topic ends with a transaction marker, which no batch delivers.
      // The coordinator writes the markers after the commit returns, so the last stable offset
      // (where a read of committed records ends) reaches them a moment later: read until it has.
      const read = await waitFor(
        async () => {
          const values = await log.readCompacted(state);
          return values.has('a') && values.has('c') ? values : undefined;
        },
        { timeoutMs: 15_000, message: 'the committed state records were never read' },
      );
      expect([...read].sort()).toEqual([
        ['a', 'A'],
        ['c', 'C'],
      ]);
    });
  });

  it('takes records larger than the broker default (1 MiB): plain, transactional and compacted', async () => {
    await withLog(async (log, name) => {
      // A run state snapshot of a loop over ~60,000 items is this large.
      const big = (c: string) => JSON.stringify({ blob: c.repeat(3 * 1024 * 1024) });
      const input = name('big-in');
      const output = name('big-out');
      const state = name('state');
      await log.produce([{ topic: input, key: 'k', value: big('i') }]);
      const handle = await log.consumeTransactional(
        { groupId: name('big-tx'), topics: [input] },
        async (b, tx) => {
          tx.send(b.records.map((r) => ({ topic: output, key: r.key, value: big('o') })));
          tx.send(b.records.map((r) => ({ topic: state, key: r.key, value: big('s') })));
        },
      );
      try {
        const out = records(
          await consumeUntil(log, name('big-reader'), output, (b) => records(b).length === 1),
        );
        expect(out[0]!.value).toBe(big('o'));
      } finally {
        await handle.stop();
      }
      const read = await waitFor(
        async () => {
          const values = await log.readCompacted(state);
          return values.has('k') ? values : undefined;
        },
        { timeoutMs: 15_000, message: 'the large state record was never read' },
      );
      expect(read.get('k')).toBe(big('s'));
    });
  });

  it("a partition's next transactional producer fences the previous one (a zombie cannot commit)", async () => {
    await withLog(async (log, name) => {
      const input = name('in');
      const output = name('out');
      await log.produce([
        { topic: input, key: 'k', value: 'x' },
        { topic: output, key: 'k', value: 'seed' },
      ]);
      const prefix = `${runId}.fencing`;
      const group = name('g');
      const old = new TransactionalProducers(kafka, prefix, group, silentLogger);
      const next = new TransactionalProducers(kafka, prefix, group, silentLogger);
      const at = new Date();
      const write = async (p: TransactionalProducers, value: string, nextOffset: number) =>
        (await p.begin(input, 0)).commit([{ topic: output, key: 'k', value }], nextOffset, at);
      try {
        await write(old, 'old-1', 1);
        // The next owner begins its first transaction before it processes anything of the partition...
        const taken = await next.begin(input, 0);
        // ...which already fences the previous owner: its late commit fails and is not visible.
        await expect(write(old, 'old-2', 3)).rejects.toThrow();
        await taken.commit([{ topic: output, key: 'k', value: 'next-1' }], 2, at);
      } finally {
        await Promise.all([old.close(), next.close()]);
      }
      const out = records(await consumeUntil(log, name('reader'), output, (b) => records(b).length >= 3));
      expect(out.map((r) => r.value)).toEqual(['seed', 'old-1', 'next-1']);
      const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [input] });
      expect(offsets?.partitions.find((p) => p.partition === 0)?.offset).toBe('2');
    });
  });
});
