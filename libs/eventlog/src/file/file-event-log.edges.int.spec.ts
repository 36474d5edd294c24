import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { heldDatasync, waitFor } from '@weft/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventLog, LogRecord, OutgoingRecord } from '../event-log.port';
import { openFileEventLog, type FileEventLogOptions } from './file-event-log';
import { decodeFrames, encodeFrame } from './log-frames';

let dir: string;
/** Every log a test opened, closed after it (closing twice is harmless). */
let opened: EventLog[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-file-log-edges-'));
  opened = [];
});

afterEach(async () => {
  for (const log of opened) await log.close();
  await rm(dir, { recursive: true, force: true });
});

async function open(options: Partial<FileEventLogOptions> = {}): Promise<EventLog> {
  const log = await openFileEventLog({ dir, compactedTopics: ['state'], idlePollMs: 100, ...options });
  opened.push(log);
  return log;
}

/** The segment files, oldest first. */
async function segments(): Promise<string[]> {
  return (await readdir(dir))
    .filter((name) => /^\d{10}\.log$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** Read `topic` from the beginning with a new group until `count` records have come. */
async function readAll(log: EventLog, groupId: string, topic: string, count: number, maxBatchSize?: number) {
  const seen: LogRecord[] = [];
  const handle = await log.consume(
    { groupId, topics: [topic], fromBeginning: true, ...(maxBatchSize ? { maxBatchSize } : {}) },
    async (batch) => void seen.push(...batch.records),
  );
  try {
    await waitFor(() => seen.length >= count, { message: `${topic}: ${seen.length}/${count} records` });
  } finally {
    await handle.stop();
  }
  return seen;
}

const stream = (values: readonly string[]): OutgoingRecord[] =>
  values.map((value, i) => ({ topic: 'stream', key: `k${i % 3}`, value }));

const offsets = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('file event log, beyond the contract', () => {
  it('cuts off a torn write at the end of the last segment, once, and appends after it', async () => {
    let log = await open();
    const first = ['a0', 'a1', 'a2', 'b0', 'b1', 'c0'];
    await log.produce(stream(first.slice(0, 3)));
    await log.produce(stream(first.slice(3, 5)));
    await log.produce([
      { topic: 'state', key: 'x', value: '1' },
      { topic: 'state', key: 'y', value: 'gone soon' },
    ]);
    await log.produce([
      ...stream(first.slice(5)),
      { topic: 'state', key: 'y', value: null },
      { topic: 'state', key: 'z', value: '{"z":"ü"}' },
    ]);
    await log.close();

    const [last] = (await segments()).slice(-1);
    const intact = (await stat(last!)).size;
    const torn = encodeFrame({
      records: [{ topic: 'stream', key: 'k', value: 'never acknowledged', timestamp: 0 }],
      positions: [],
    }).bytes.subarray(0, 20);
    await appendFile(last!, torn);

    const errors: { error: unknown; where: string }[] = [];
    log = await open({ onError: (error, where) => errors.push({ error, where }) });
    expect(errors).toHaveLength(1);
    expect(String(errors[0]!.error)).toContain('dropped 20 bytes');
    expect(String(errors[0]!.error)).toContain(last!);
    expect((await stat(last!)).size).toBe(intact);

    const read = await readAll(log, 'after-recovery', 'stream', first.length);
    expect(read.map((r) => r.value)).toEqual(first);
    expect(read.map((r) => r.offset)).toEqual(offsets(first.length));
    expect(await log.readCompacted('state')).toEqual(
      new Map([
        ['x', '1'],
        ['z', '{"z":"ü"}'],
      ]),
    );

    const more = ['d0', 'd1', 'e0'];
    await log.produce(stream(more.slice(0, 2)));
    await log.produce([...stream(more.slice(2)), { topic: 'state', key: 'x', value: '2' }]);
    await log.close();

    log = await open({ onError: (error, where) => errors.push({ error, where }) });
    expect(errors).toHaveLength(1);
    const all = await readAll(log, 'after-reopen', 'stream', first.length + more.length);
    expect(all.map((r) => r.value)).toEqual([...first, ...more]);
    expect(all.map((r) => r.offset)).toEqual(offsets(first.length + more.length));
    expect(await log.readCompacted('state')).toEqual(
      new Map([
        ['x', '2'],
        ['z', '{"z":"ü"}'],
      ]),
    );
  });

  it('rolls segments, and reads records back from every segment after a reopen', async () => {
    const options = { segmentBytes: 4096, tailSize: 10, fsync: false };
    let log = await open(options);
    const values = Array.from({ length: 300 }, (_, i) => (i % 4 === 0 ? `${i}:${'é'.repeat(100)}` : `v${i}`));
    const latest = new Map<string, string>();
    for (let i = 0; i < values.length; i += 6) {
      const state = { topic: 'state', key: `s${(i / 6) % 7}`, value: `state ${i}` };
      latest.set(state.key, state.value);
      await log.produce([...stream(values.slice(i, i + 6)), state]);
    }
    await log.produce([{ topic: 'state', key: 's3', value: null }]);
    latest.delete('s3');
    expect((await segments()).length).toBeGreaterThanOrEqual(4);

    // Live, with a tail of 10, older records come from the files too.
    const live = await readAll(log, 'live', 'stream', values.length, 37);
    expect(live.map((r) => r.value)).toEqual(values);
    await log.close();

    log = await open(options);
    const read = await readAll(log, 'reopened', 'stream', values.length, 37);
    expect(read.map((r) => r.value)).toEqual(values);
    expect(read.map((r) => r.offset)).toEqual(offsets(values.length));
    expect(read.every((r) => r.key === `k${r.offset % 3}`)).toBe(true);
    expect(await log.readCompacted('state')).toEqual(latest);
    expect(latest.size).toBe(6);
  });

  it('a position committed by consumeTransactional is in the frame of its output and survives a reopen', async () => {
    let log = await open();
    const inputs = ['i0', 'i1', 'i2', 'i3', 'i4', 'i5', 'i6', 'i7'];
    await log.produce(stream(inputs.slice(0, 3)).map((r) => ({ ...r, topic: 'in' })));
    await log.produce(stream(inputs.slice(3)).map((r) => ({ ...r, topic: 'in' })));

    const transform = async (seen: string[]) =>
      log.consumeTransactional({ groupId: 'tx', topics: ['in'], maxBatchSize: 3 }, async (batch, tx) => {
        for (const r of batch.records) seen.push(r.value);
        tx.send(batch.records.map((r) => ({ topic: 'out', key: r.key, value: `out ${r.value}` })));
      });
    const seen: string[] = [];
    const handle = await transform(seen);
    await waitFor(() => seen.length >= inputs.length);
    await handle.stop();
    expect(seen).toEqual(inputs);
    await log.close();

    // Every frame with output records carries the group's position past its inputs.
    const frames = decodeFrames(await readFile((await segments())[0]!)).frames;
    const outputs = frames.filter((f) => f.records.some((r) => r.topic === 'out'));
    expect(outputs.length).toBeGreaterThanOrEqual(3);
    expect(outputs.map((f) => f.positions.map((p) => `${p.groupId}/${p.topic}`))).toEqual(
      outputs.map(() => ['tx/in']),
    );
    expect(outputs.at(-1)!.positions[0]!.next).toBe(inputs.length);

    log = await open();
    const again: string[] = [];
    const second = await transform(again);
    await log.produce([{ topic: 'in', key: 'k', value: 'new' }]);
    await waitFor(() => again.length >= 1);
    await second.stop();
    expect(again).toEqual(['new']);

    const out = await readAll(log, 'reader', 'out', inputs.length + 1);
    expect(out.map((r) => r.value)).toEqual([...inputs, 'new'].map((v) => `out ${v}`));
  });

  it('group commit: concurrent produces all land, each contiguous; a bad one fails alone', async () => {
    const log = await open({ fsync: false });
    const calls = Array.from({ length: 50 }, (_, i) =>
      Array.from({ length: 1 + (i % 4) }, (_, j) => ({ topic: 'stream', key: `c${i}`, value: `${i}:${j}` })),
    );
    const bad: OutgoingRecord[] = [
      { topic: 'stream', key: 'bad', value: 'with a tombstone' },
      { topic: 'stream', key: 'bad', value: null },
    ];
    const results = await Promise.allSettled([
      ...calls.slice(0, 25).map((records) => log.produce(records)),
      log.produce(bad),
      ...calls.slice(25).map((records) => log.produce(records)),
    ]);
    const failed = results.splice(25, 1)[0]!;
    expect(failed.status).toBe('rejected');
    expect(String((failed as PromiseRejectedResult).reason)).toMatch(/tombstone on topic stream\b/);
    expect(results.map((r) => r.status)).toEqual(calls.map(() => 'fulfilled'));

    const total = calls.reduce((n, c) => n + c.length, 0);
    const read = await readAll(log, 'reader', 'stream', total);
    expect(read).toHaveLength(total);
    expect(read.map((r) => r.offset)).toEqual(offsets(total));
    expect(read.some((r) => r.key === 'bad')).toBe(false);
    calls.forEach((records, i) => {
      const mine = read.filter((r) => r.key === `c${i}`);
      expect(mine.map((r) => r.value)).toEqual(records.map((r) => r.value));
      // Contiguous: nobody else's record lands inside a call's.
      expect(mine.at(-1)!.offset - mine[0]!.offset).toBe(records.length - 1);
    });
    // One frame per call, however the calls were grouped into writes (the reader's committed
    // position is a frame of its own, with no records).
    const frames = decodeFrames(await readFile((await segments())[0]!)).frames;
    expect(frames.filter((f) => f.records.length > 0).map((f) => f.records.map((r) => r.value))).toEqual(
      calls.map((records) => records.map((r) => r.value)),
    );
  });

  it('refuses to open when a segment that is not the last has a bad frame', async () => {
    const log = await open({ segmentBytes: 1024 });
    for (let i = 0; i < 30; i++) await log.produce(stream([`${i}:${'x'.repeat(100)}`]));
    await log.close();
    const files = await segments();
    expect(files.length).toBeGreaterThanOrEqual(2);

    const bytes = await readFile(files[0]!);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    await writeFile(files[0]!, bytes);

    await expect(open({ segmentBytes: 1024 })).rejects.toThrow(files[0]!);
    // Nothing was cut off: what follows the bad frame was acknowledged.
    expect((await stat(files[0]!)).size).toBe(bytes.length);
  });

  it('keeps a tail of at most tailChars characters; older records come from the files', async () => {
    const log = await open({ tailChars: 1_000 });
    const values = Array.from({ length: 50 }, (_, i) => `${i}:`.padEnd(100, 'v'));
    for (const value of values) await log.produce(stream([value]));
    // Reading from the beginning needs the 40-odd records the tail has let go of.
    const seen = await readAll(log, 'from-start', 'stream', 50, 7);
    expect(seen.map((r) => r.value)).toEqual(values);
    expect(seen.map((r) => r.offset)).toEqual(offsets(50));
  });

  it('lingerUnless: a lingering consumer reads at once when a record it says yes to is there', async () => {
    const log = await open();
    const batches: string[][] = [];
    const handle = await log.consume(
      {
        groupId: 'lingering',
        topics: ['stream'],
        lingerMs: 60_000,
        lingerUnless: (r) => r.headers['urgent'] === 'yes',
      },
      async (b) => void batches.push(b.records.map((r) => r.value)),
    );
    try {
      await log.produce(stream(['a', 'b']));
      // Held back by the (minute-long) linger; durable records reach it after the fsync, so give
      // that time before the next record.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(batches).toEqual([]);
      await log.produce([{ topic: 'stream', key: 'k', value: 'c', headers: { urgent: 'yes' } }]);
      await waitFor(() => batches.length > 0, { message: 'the urgent record cut the linger short' });
      expect(batches).toEqual([['a', 'b', 'c']]);
      // Behind more records than a lingering consumer looks at in one go.
      await log.produce([
        ...stream(Array.from({ length: 1_500 }, (_, i) => `x${i}`)),
        { topic: 'stream', key: 'k', value: 'last', headers: { urgent: 'yes' } },
      ]);
      await waitFor(() => batches.flat().length === 1_504, { message: 'all 1,501 more records' });
      expect(batches.flat().at(-1)).toBe('last');
    } finally {
      await handle.stop();
    }
  });

  it('refuses appends after close', async () => {
    const log = await open();
    await log.produce(stream(['before']));
    await log.close();
    await expect(async () => log.produce(stream(['after']))).rejects.toThrow('event log is closed');
    await expect(log.readCompacted('state')).rejects.toThrow('event log is closed');
    await log.close(); // idempotent
  });

  it('lingerMinRecords: a lingering consumer reads at once when that many records are there', async () => {
    const log = await open();
    const batches: string[][] = [];
    const handle = await log.consume(
      { groupId: 'lingering', topics: ['stream'], lingerMs: 60_000, lingerMinRecords: 3 },
      async (b) => void batches.push(b.records.map((r) => r.value)),
    );
    try {
      await log.produce(stream(['a', 'b']));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(batches).toEqual([]);
      await log.produce(stream(['c']));
      await waitFor(() => batches.length > 0, { message: 'the third record cut the linger short' });
      expect(batches).toEqual([['a', 'b', 'c']]);
    } finally {
      await handle.stop();
    }
  });

  it("a batch's durable() resolves once its records are synced, and rejects once the log has failed", async () => {
    const fsync = heldDatasync();
    const log = await open({ datasync: fsync.datasync });
    try {
      const seen: { values: string[]; durable: Promise<void> }[] = [];
      let synced = false;
      const handle = await log.consume(
        { groupId: 'early', topics: ['stream'], beforeDurable: true },
        async (b, ctx) => {
          const durable = ctx.durable().then(() => {
            // Resolved only after the fsync that covers the batch.
            expect(synced).toBe(true);
          });
          seen.push({ values: b.records.map((r) => r.value), durable });
          await durable.catch(() => {});
        },
      );
      const produced = log.produce(stream(['one']));
      await waitFor(() => seen.length === 1 && fsync.waiting() > 0);
      let durable = false;
      void seen[0]!.durable.then(() => (durable = true));
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      expect(durable).toBe(false);
      synced = true;
      fsync.release();
      await produced;
      await seen[0]!.durable;

      // A failed fsync: the batch written before it is never durable, and says why.
      fsync.fail(new Error('disk gone'));
      const lost = log.produce(stream(['two'])).catch((e: unknown) => e);
      await waitFor(() => seen.length === 2);
      await expect(seen[1]!.durable).rejects.toThrow(/fdatasync failed/);
      expect(await lost).toBeInstanceOf(Error);
      await handle.stop();
    } finally {
      fsync.release();
    }
  });

  it('hands a record to beforeDurable consumers once written, to the others and the producer once synced', async () => {
    // While held, each fdatasync waits until the test releases it.
    const fsync = heldDatasync();
    const log = await open({ datasync: fsync.datasync });
    try {
      const early: string[] = [];
      const durable: string[] = [];
      const handles = [
        await log.consume({ groupId: 'early', topics: ['stream'], beforeDurable: true }, async (b) => {
          early.push(...b.records.map((r) => r.value));
        }),
        await log.consume({ groupId: 'durable', topics: ['stream'] }, async (b) => {
          durable.push(...b.records.map((r) => r.value));
        }),
      ];
      let acknowledged = false;
      const produced = log.produce(stream(['one'])).then(() => (acknowledged = true));
      await waitFor(() => early.length === 1 && fsync.waiting() > 0);
      // Written, not yet synced: the early consumer has it; the other consumer and the producer wait.
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      expect(durable).toEqual([]);
      expect(acknowledged).toBe(false);
      fsync.release();
      await produced;
      await waitFor(() => durable.length === 1);
      expect(durable).toEqual(['one']);

      // A beforeDurable transactional consumer handles its next batch while its last output waits
      // for its fsync.
      fsync.hold();
      const outputs: string[] = [];
      const tx = await log.consumeTransactional(
        { groupId: 'tx', topics: ['stream'], beforeDurable: true },
        async (batch, send) => {
          outputs.push(...batch.records.map((r) => r.value));
          send.send(batch.records.map((r) => ({ topic: 'out', key: r.key, value: `out-${r.value}` })));
        },
      );
      await waitFor(() => outputs.length === 1 && fsync.waiting() > 0);
      void log.produce(stream(['two']));
      await waitFor(() => outputs.length === 2);
      fsync.release();
      for (const h of [...handles, tx]) await h.stop();
      const out = await readAll(log, 'reader', 'out', 2);
      expect(out.map((r) => r.value)).toEqual(['out-one', 'out-two']);
    } finally {
      fsync.release();
    }
  });
});
