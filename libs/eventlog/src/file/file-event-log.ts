import { writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventLog, LogRecord, OutgoingRecord } from '../event-log.port';
import {
  InProcessEventLog,
  PARTITION,
  yieldToIo,
  type InProcessLogOptions,
  type Position,
} from '../in-process/in-process-event-log';
import { WorkLoop } from '../in-process/work-loop';
import {
  decodeFrames,
  decodeRecord,
  encodeFrame,
  type Frame,
  type FrameRecord,
  type FramePosition,
  type RecordSpan,
} from './log-frames';

export interface FileEventLogOptions extends InProcessLogOptions {
  /** Directory of the log's segment files (created if missing; one process at a time). */
  readonly dir: string;
  /** A segment file is closed and a new one started once it holds this many bytes. Default 64 MiB. */
  readonly segmentBytes?: number;
  /**
   * Flush each write to disk (`fdatasync`) before it is acknowledged. Default true: what `produce`
   * and a transactional batch resolve is on disk. Off only for throwaway logs.
   */
  readonly fsync?: boolean;
  /** Flushes a segment to disk (default: `handle.datasync()`); specs gate it to watch what waits for it. */
  readonly datasync?: (handle: FileHandle) => Promise<void>;
  readonly now?: () => Date;
}

/** Where a record is: segment and byte offset packed in one number, and its length. */
interface Location {
  readonly at: number;
  readonly length: number;
}

const SEGMENT_FACTOR = 2 ** 40; // a segment's byte offsets stay below 1 TiB
const pack = (segment: number, position: number) => segment * SEGMENT_FACTOR + position;
const segmentOf = (at: number) => Math.floor(at / SEGMENT_FACTOR);
const positionOf = (at: number) => at % SEGMENT_FACTOR;
const segmentName = (id: number) => `${String(id).padStart(10, '0')}.log`;
const SEGMENT_FILE = /^(\d{10})\.log$/;
/** Neighbouring records closer than this are read from disk in one read. */
const READ_SPAN_BYTES = 1 << 20;

/** A topic's records: where each is, by offset (the array index). */
interface TopicIndex {
  readonly at: number[];
  readonly length: number[];
}

interface PendingWrite {
  readonly records: readonly OutgoingRecord[];
  readonly positions: readonly FramePosition[];
  /** Acknowledge once written (the frame's durability follows), not once durable. */
  readonly early: boolean;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

/** A written frame waiting for the next `fdatasync`, and who waits for it (none if acknowledged early). */
interface Unsynced {
  readonly advanced: ReadonlyMap<string, number>;
  readonly waiter?: Pick<PendingWrite, 'resolve' | 'reject'>;
}

/** A stream record as consumers get it. */
function toLogRecord(
  r: FrameRecord,
  offset: number,
  timestamp = new Date(r.timestamp).toISOString(),
): LogRecord {
  return {
    topic: r.topic,
    partition: PARTITION,
    offset,
    key: r.key,
    value: r.value ?? '',
    headers: r.headers ?? {},
    timestamp,
  };
}

/**
 * The embedded event log on an append-only file: every append is one checksummed frame; appends
 * asked for while a write is in flight go out together in one write (group commit), each still
 * atomic on its own, and every write is followed by an `fdatasync` that covers all writes before
 * it; frames written meanwhile share the next one. A frame is handed to `beforeDurable` consumers
 * once written and to the others, and acknowledged, once durable. The scheduler's events, state
 * and consumed position are one frame, so they are written together or not at all. In memory:
 * where each record is, the compacted topics' keys, the groups' positions, and the newest records
 * of each topic. Opening replays the segments to rebuild that, and cuts off a frame torn by a
 * crash.
 *
 * Records are kept for good (no retention yet), as in the database-backed embedded log.
 */
export async function openFileEventLog(options: FileEventLogOptions): Promise<EventLog> {
  const log = new FileEventLog(options);
  await log.load();
  return log;
}

class FileEventLog extends InProcessEventLog {
  readonly #dir: string;
  readonly #segmentBytes: number;
  readonly #datasync: (handle: FileHandle) => Promise<void>;
  readonly #now: () => Date;
  readonly #topics = new Map<string, TopicIndex>();
  readonly #latest = new Map<string, Map<string, Location>>();
  readonly #positions = new Map<string, Map<string, number>>();
  /** Open segments, for reads; the last one is also written to. */
  readonly #handles = new Map<number, FileHandle>();
  #segment = 0;
  #size = 0;
  #queue: PendingWrite[] = [];
  readonly #unsynced: Unsynced[] = [];
  /** Group commit: writes what is queued, one group at a time. */
  readonly #writer = new WorkLoop(
    () => this.#queue.length > 0,
    async () => {
      // Let pending I/O (more agent replies, more requests) run first, so they join this write.
      await yieldToIo();
      await this.#writeGroup(this.#queue.splice(0));
    },
  );
  /** Makes what is written durable, one fdatasync at a time. */
  readonly #syncer = new WorkLoop(
    () => this.#unsynced.length > 0,
    () => this.#sync(this.#unsynced.splice(0)),
  );
  /** Set when a failed write could not be undone or an fsync failed: nothing more may be appended. */
  #failed: Error | undefined;

  constructor(options: FileEventLogOptions) {
    super(options);
    this.#dir = options.dir;
    this.#segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.#datasync =
      options.datasync ?? (options.fsync === false ? async () => {} : (handle) => handle.datasync());
    this.#now = options.now ?? (() => new Date());
  }

  /** Replay every segment; a torn frame at the end of the last one is cut off. */
  async load(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    const ids = (await readdir(this.#dir))
      .map((name) => SEGMENT_FILE.exec(name)?.[1])
      .filter((id): id is string => id !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const [i, id] of ids.entries()) {
      const path = join(this.#dir, segmentName(id));
      const bytes = await readFile(path);
      const { frames, end, reason } = decodeFrames(bytes);
      for (const frame of frames) this.#apply(frame, id, frame.start, frame.spans);
      if (reason !== undefined) {
        if (i !== ids.length - 1)
          throw new Error(
            `event log segment ${path} has ${reason} at byte ${end}, and it is not the last segment`,
          );
        // A crash cut the last write short: it was never acknowledged, so it is dropped.
        const handle = await open(path, 'r+');
        await handle.truncate(end);
        await handle.sync();
        await handle.close();
        this.onError(
          new Error(
            `event log: dropped ${bytes.length - end} bytes of an unfinished write (${reason}) at the end of ${path}`,
          ),
          'event log recovery',
        );
      }
      this.#segment = id;
      this.#size = end;
    }
    await this.#openSegment(this.#segment, ids.length === 0);
  }

  produce(records: readonly OutgoingRecord[]): Promise<void> {
    try {
      this.assertOpen();
    } catch (e) {
      return Promise.reject(e);
    }
    if (records.length === 0) return Promise.resolve();
    return this.#enqueue(records, []);
  }

  protected appendWithPosition(
    records: readonly OutgoingRecord[],
    position: Position,
    durable: boolean,
  ): Promise<void> {
    return this.#enqueue(
      records,
      [{ groupId: position.groupId, topic: position.topic, next: position.offset + 1 }],
      durable,
    );
  }

  protected writePositions(groupId: string, handled: ReadonlyMap<string, number>): Promise<void> {
    return this.#enqueue(
      [],
      [...handled].map(([topic, offset]) => ({ groupId, topic, next: offset + 1 })),
    );
  }

  protected async storedPosition(groupId: string, topic: string): Promise<number | undefined> {
    return this.#positions.get(groupId)?.get(topic);
  }

  protected async headOffset(topic: string): Promise<number> {
    return this.#topics.get(topic)?.at.length ?? 0;
  }

  protected async readStored(topic: string, from: number, limit: number): Promise<LogRecord[]> {
    const index = this.#topics.get(topic);
    if (!index || from >= index.at.length) return [];
    const upTo = Math.min(index.at.length, from + limit);
    const locations: Location[] = [];
    for (let offset = from; offset < upTo; offset++)
      locations.push({ at: index.at[offset]!, length: index.length[offset]! });
    return (await this.#read(locations)).map((r, i) => toLogRecord(r, from + i));
  }

  async readCompacted(topic: string): Promise<Map<string, string>> {
    this.assertOpen();
    const keys = [...(this.#latest.get(topic) ?? new Map<string, Location>())];
    keys.sort(([, a], [, b]) => a.at - b.at);
    const records = await this.#read(keys.map(([, location]) => location));
    return new Map(records.map((r) => [r.key, r.value ?? '']));
  }

  protected override async closeStorage(): Promise<void> {
    await this.#writer.idle();
    await this.#syncer.idle();
    for (const handle of this.#handles.values()) await handle.close();
    this.#handles.clear();
  }

  #enqueue(
    records: readonly OutgoingRecord[],
    positions: readonly FramePosition[],
    durable = true,
  ): Promise<void> {
    for (const r of records) {
      if (r.value === null && !this.compacted.has(r.topic))
        return Promise.reject(new Error(`tombstone on topic ${r.topic}, which is not compacted`));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ records, positions, early: !durable, resolve, reject });
      this.#writer.kick();
    });
  }

  /**
   * Everything queued goes out as one write, one frame per caller; then, in order, each frame is
   * indexed and published to `beforeDurable` consumers; the fsync loop does the rest.
   */
  async #writeGroup(queued: readonly PendingWrite[]): Promise<void> {
    if (this.#failed) {
      for (const w of queued) w.reject(this.#failed);
      return;
    }
    const timestamp = this.#now().getTime();
    const iso = new Date(timestamp).toISOString();
    const group: (PendingWrite & { frame: Frame } & ReturnType<typeof encodeFrame>)[] = [];
    for (const w of queued) {
      const frame: Frame = {
        records: w.records.map((r) => ({
          topic: r.topic,
          key: r.key,
          value: r.value,
          ...(r.headers ? { headers: r.headers } : {}),
          timestamp,
        })),
        positions: w.positions,
      };
      try {
        group.push({ ...w, frame, ...encodeFrame(frame) });
      } catch (e) {
        w.reject(e);
      }
    }
    const total = group.reduce((n, w) => n + w.bytes.length, 0);
    try {
      if (this.#size > 0 && this.#size + total > this.#segmentBytes) {
        // What is written to this segment is made durable with its own handle first.
        await this.#syncer.idle();
        await this.#openSegment(this.#segment + 1, true);
      }
      await this.#write(
        Buffer.concat(
          group.map((w) => w.bytes),
          total,
        ),
      );
    } catch (e) {
      for (const w of group) w.reject(e);
      return;
    }
    let at = this.#size;
    this.#size += total;
    for (const w of group) {
      const { advanced, offsets } = this.#apply(w.frame, this.#segment, at, w.spans);
      at += w.bytes.length;
      const records = w.frame.records.flatMap((r, i) =>
        offsets[i] === undefined ? [] : [toLogRecord(r, offsets[i], iso)],
      );
      this.publish({ advanced, records }, false);
      if (w.early) w.resolve();
      this.#unsynced.push({ advanced, ...(w.early ? {} : { waiter: w }) });
    }
    this.#syncer.kick();
  }

  /**
   * One `fdatasync` at a time, each covering every frame written before it started; then those
   * frames are published to every consumer and acknowledged. A failed fsync stops the log: what
   * was written since the last good one may or may not be on disk, so nothing more is appended
   * and the log must be opened again (which replays what is there).
   */
  async #sync(batch: readonly Unsynced[]): Promise<void> {
    try {
      await this.#datasync(this.#handles.get(this.#segment)!);
    } catch (cause) {
      if (!this.#failed) {
        this.#failed = new Error('event log: fdatasync failed; reopen the log', { cause });
        this.onError(this.#failed, 'event log sync');
      }
      this.durabilityLost(this.#failed);
      for (const w of batch) w.waiter?.reject(this.#failed);
      return;
    }
    const heads = new Map<string, number>();
    for (const w of batch)
      for (const [topic, next] of w.advanced) heads.set(topic, Math.max(next, heads.get(topic) ?? 0));
    this.published(heads);
    for (const w of batch) w.waiter?.resolve();
  }

  /**
   * Write at the end of the current segment (not yet synced); on failure, cut back what may have
   * been written. The write itself is synchronous: it only copies into the page cache (the
   * `fdatasync` after it is what waits for the disk), which takes microseconds for a group of
   * records, where a write through libuv's thread pool costs two thread hand-offs and an
   * event-loop turn on every step's path.
   */
  async #write(bytes: Buffer): Promise<void> {
    const handle = this.#handles.get(this.#segment)!;
    try {
      const bytesWritten = writeSync(handle.fd, bytes, 0, bytes.length, this.#size);
      if (bytesWritten !== bytes.length)
        throw new Error(`short write: ${bytesWritten} of ${bytes.length} bytes`);
    } catch (e) {
      await handle.truncate(this.#size).catch((cause: unknown) => {
        // The file may now end in a partial frame; the next open cuts it off. Appending after it
        // would put acknowledged frames behind it, where recovery would never reach them.
        this.#failed = new Error('event log: a failed write could not be undone; reopen the log', { cause });
      });
      throw e;
    }
  }

  protected override assertOpen(): void {
    super.assertOpen();
    if (this.#failed) throw this.#failed;
  }

  async #openSegment(id: number, create: boolean): Promise<void> {
    const path = join(this.#dir, segmentName(id));
    const handle = await open(path, create ? 'wx+' : 'r+');
    if (create) {
      // The new file's name must survive a crash too, or frames acknowledged in it are lost.
      const dir = await open(this.#dir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    }
    this.#handles.set(id, handle);
    this.#segment = id;
    if (create) this.#size = 0;
  }

  /**
   * Index a frame written at `start` of `segment`: each topic's next offset after it, and the offset
   * each of its stream records got (undefined for compacted writes).
   */
  #apply(
    frame: Frame,
    segment: number,
    start: number,
    spans: readonly RecordSpan[],
  ): { advanced: Map<string, number>; offsets: (number | undefined)[] } {
    const advanced = new Map<string, number>();
    const offsets: (number | undefined)[] = [];
    frame.records.forEach((r, i) => {
      const span = spans[i]!;
      const location = { at: pack(segment, start + span.start), length: span.length };
      if (this.compacted.has(r.topic)) {
        const keys = this.#latest.get(r.topic) ?? new Map<string, Location>();
        this.#latest.set(r.topic, keys);
        if (r.value === null) keys.delete(r.key);
        else keys.set(r.key, location);
        offsets.push(undefined);
        return;
      }
      let index = this.#topics.get(r.topic);
      if (!index) this.#topics.set(r.topic, (index = { at: [], length: [] }));
      const offset = index.at.length;
      index.at.push(location.at);
      index.length.push(location.length);
      advanced.set(r.topic, offset + 1);
      offsets.push(offset);
    });
    for (const p of frame.positions) {
      const group = this.#positions.get(p.groupId) ?? new Map<string, number>();
      this.#positions.set(p.groupId, group);
      group.set(p.topic, Math.max(p.next, group.get(p.topic) ?? 0));
    }
    return { advanced, offsets };
  }

  /** Read records at `locations` (in the order given); neighbours in one segment share a read. */
  async #read(locations: readonly Location[]): Promise<FrameRecord[]> {
    const out: FrameRecord[] = [];
    let i = 0;
    while (i < locations.length) {
      const first = locations[i]!;
      const segment = segmentOf(first.at);
      const from = positionOf(first.at);
      let to = from + first.length;
      let j = i + 1;
      for (; j < locations.length; j++) {
        const next = locations[j]!;
        const position = positionOf(next.at);
        if (
          segmentOf(next.at) !== segment ||
          position < from ||
          position + next.length - from > READ_SPAN_BYTES
        )
          break;
        to = Math.max(to, position + next.length);
      }
      const bytes = Buffer.allocUnsafe(to - from);
      const handle = await this.#handle(segment);
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, from);
      if (bytesRead !== bytes.length)
        throw new Error(`event log segment ${segment} is shorter than its index`);
      for (; i < j; i++) {
        const location = locations[i]!;
        out.push(decodeRecord(bytes, positionOf(location.at) - from, location.length));
      }
    }
    return out;
  }

  async #handle(segment: number): Promise<FileHandle> {
    const held = this.#handles.get(segment);
    if (held) return held;
    const handle = await open(join(this.#dir, segmentName(segment)), 'r');
    this.#handles.set(segment, handle);
    return handle;
  }
}
