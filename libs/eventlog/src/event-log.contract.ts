import { describe, expect, it } from 'vitest';
import type { EventLog, LogRecord, RecordBatch } from './event-log.port';

/**
 * The event log contract (STYLE 4): every adapter's spec calls this with a factory. `reopen`
 * closes the log and opens it again on the same storage (what a process restart does).
 *
 * The assertions hold for any number of partitions: order is asserted per key, and a batch holds
 * records of one partition, so "all records arrived" is asserted on the set of records, not on
 * which batch brought them. Group ids come from `topic()` too, so tests never share a group.
 *
 * Divergences, with reasons:
 * - embedded: one partition per topic (every batch is the whole topic in order) and one member
 *   per group (it runs in one process).
 * - kafka: several partitions per topic (default 3), so records of different keys may arrive in
 *   any order and in separate batches; each partition retries on its own. Consumer groups may have
 *   several members. A consumer that restarts right after a transactional commit may, for a few
 *   milliseconds, read the position from before it (kafkajs has no `require_stable` offset fetch);
 *   the output of that commit is never duplicated for read-committed readers, the input may be.
 */
export interface EventLogHarness {
  readonly log: EventLog;
  /** Names unique to this test, so tests never share topics or groups. */
  readonly topic: (name: string) => string;
  reopen(): Promise<EventLog>;
  close(): Promise<void>;
}

async function collect(
  log: EventLog,
  groupId: string,
  topics: string[],
  count: number,
  opts: { autoCommit?: boolean } = {},
) {
  const seen: LogRecord[] = [];
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const handle = await log.consume({ groupId, topics, ...opts }, async (batch: RecordBatch, ctx) => {
    // What a consumer is handed (not reading `beforeDurable`) is durable already.
    await ctx.durable();
    seen.push(...batch.records);
    if (seen.length >= count) resolveDone();
  });
  await Promise.race([
    done,
    new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`only ${seen.length}/${count} records`)), 10_000),
    ),
  ]);
  await handle.stop();
  return seen;
}

export function eventLogContract(name: string, open: () => Promise<EventLogHarness>): void {
  describe(`event log contract: ${name}`, () => {
    it('delivers what was produced, in order per key, with headers', async () => {
      const h = await open();
      try {
        const t = h.topic('ordered');
        const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
        await h.log.produce([
          { topic: t, key: 'a', value: '{"n":0}', headers: { 'content-type': 'application/json' } },
        ]);
        // Interleaved keys over two appends, so keys share batches and (on Kafka) partitions.
        await h.log.produce(
          Array.from({ length: 18 }, (_, i) => ({
            topic: t,
            key: keys[i % keys.length]!,
            value: `{"n":${i + 1}}`,
          })),
        );
        const seen = await collect(h.log, h.topic('g1'), [t], 19);
        expect(seen).toHaveLength(19);
        for (const key of keys) {
          const values = seen.filter((r) => r.key === key).map((r) => Number(JSON.parse(r.value).n));
          expect(values).toEqual([...values].sort((x, y) => x - y));
          expect(values).toHaveLength(key === 'a' ? 4 : 3);
        }
        const first = seen.find((r) => r.value === '{"n":0}')!;
        expect(first.headers['content-type']).toBe('application/json');
        expect(seen.find((r) => r.value === '{"n":2}')!.headers).toEqual({});
        // A position is unique within its partition.
        expect(new Set(seen.map((r) => `${r.partition}/${r.offset}`)).size).toBe(19);
        for (const r of seen) {
          expect(r.topic).toBe(t);
          expect(Number.isNaN(Date.parse(r.timestamp))).toBe(false);
        }
      } finally {
        await h.close();
      }
    });

    it('a group resumes from its committed position after a restart', async () => {
      const h = await open();
      try {
        const t = h.topic('resume');
        const g = h.topic('g');
        await h.log.produce([1, 2, 3].map((n) => ({ topic: t, key: 'k', value: String(n) })));
        expect((await collect(h.log, g, [t], 3)).map((r) => r.value)).toEqual(['1', '2', '3']);
        const log = await h.reopen();
        await log.produce([{ topic: t, key: 'k', value: '4' }]);
        expect((await collect(log, g, [t], 1)).map((r) => r.value)).toEqual(['4']);
        // Another group starts from the beginning.
        expect((await collect(log, h.topic('other'), [t], 4)).map((r) => r.value)).toEqual([
          '1',
          '2',
          '3',
          '4',
        ]);
      } finally {
        await h.close();
      }
    });

    it('without a commit, a batch is delivered again after a restart', async () => {
      const h = await open();
      try {
        const t = h.topic('manual');
        const g = h.topic('g');
        await h.log.produce([{ topic: t, key: 'k', value: 'x' }]);
        expect(await collect(h.log, g, [t], 1, { autoCommit: false })).toHaveLength(1);
        const log = await h.reopen();
        expect((await collect(log, g, [t], 1, { autoCommit: false })).map((r) => r.value)).toEqual(['x']);
      } finally {
        await h.close();
      }
    });

    it('a handler that throws gets the same records again', async () => {
      const h = await open();
      try {
        const t = h.topic('retry');
        await h.log.produce([{ topic: t, key: 'k', value: 'v' }]);
        let calls = 0;
        let resolveDone!: () => void;
        const done = new Promise<void>((r) => (resolveDone = r));
        const handle = await h.log.consume({ groupId: h.topic('g'), topics: [t] }, async (batch) => {
          calls += 1;
          if (calls === 1) throw new Error('transient');
          expect(batch.records.map((r) => r.value)).toEqual(['v']);
          resolveDone();
        });
        await done;
        await handle.stop();
        expect(calls).toBe(2);
      } finally {
        await h.close();
      }
    });

    it('transactional consume: what the handler sends and the position commit together', async () => {
      const h = await open();
      try {
        const input = h.topic('tx-in');
        const output = h.topic('tx-out');
        const group = h.topic('tx');
        await h.log.produce([1, 2].map((n) => ({ topic: input, key: `k${n}`, value: String(n) })));
        let attempts = 0;
        const processed = new Set<string>();
        let resolveDone!: () => void;
        const done = new Promise<void>((r) => (resolveDone = r));
        const handle = await h.log.consumeTransactional(
          { groupId: group, topics: [input] },
          async (batch, tx) => {
            attempts += 1;
            tx.send(batch.records.map((r) => ({ topic: output, key: r.key, value: `out-${r.value}` })));
            if (attempts === 1) throw new Error('abort this transaction');
            // Records of different keys may come in separate batches (partitions): done when all were.
            for (const r of batch.records) processed.add(r.value);
            if (processed.size === 2) resolveDone();
          },
        );
        await done;
        await handle.stop();
        // The aborted attempt wrote nothing; the retried one wrote each output once.
        const out = await collect(h.log, h.topic('reader'), [output], 2);
        expect(out.map((r) => r.value).sort()).toEqual(['out-1', 'out-2']);
        // The position was committed with the output: a restarted consumer gets nothing again.
        const log = await h.reopen();
        await log.produce([{ topic: input, key: 'k3', value: '3' }]);
        const seen: string[] = [];
        let resolveThird!: () => void;
        const third = new Promise<void>((r) => (resolveThird = r));
        const again = await log.consumeTransactional({ groupId: group, topics: [input] }, async (batch) => {
          seen.push(...batch.records.map((r) => r.value));
          resolveThird();
        });
        await third;
        await again.stop();
        expect(seen).toEqual(['3']);
      } finally {
        await h.close();
      }
    });

    it('compacted topics keep the latest value per key; a tombstone removes the key', async () => {
      const h = await open();
      try {
        const t = h.topic('state');
        await h.log.produce([
          { topic: t, key: 'a', value: '1' },
          { topic: t, key: 'b', value: '1' },
          { topic: t, key: 'a', value: '2' },
        ]);
        await h.log.produce([{ topic: t, key: 'b', value: null }]);
        const log = await h.reopen();
        expect([...(await log.readCompacted(t))]).toEqual([['a', '2']]);
      } finally {
        await h.close();
      }
    });

    it('stop and close are idempotent', async () => {
      const h = await open();
      const handle = await h.log.consume(
        { groupId: h.topic('g'), topics: [h.topic('idle')] },
        async () => {},
      );
      await handle.stop();
      await handle.stop();
      await h.log.close();
      await h.log.close();
      await h.close();
    });
  });
}
