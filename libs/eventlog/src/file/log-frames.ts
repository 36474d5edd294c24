import { crc32 } from 'node:zlib';

/**
 * The file event log's on-disk format. A segment file is a sequence of frames; a frame is one
 * atomic append (a produce, or a transactional batch with its consumer position):
 *
 *   frame    = u32 payload length, u32 CRC-32 of the payload, payload
 *   payload  = u8 version (1), u32 record count, record*, u32 position count, position*
 *   record   = f64 timestamp (ms), str topic, str key, u8 flags, [str value], [str headers JSON]
 *              flags: 1 = has a value (otherwise a tombstone), 2 = has headers
 *   position = str group id, str topic, f64 next offset
 *   str      = u32 UTF-8 byte length, bytes
 *
 * Integers are little-endian. Offsets are not stored: a topic's records are numbered in the order
 * they appear in the log, so replaying the frames assigns the offsets the append assigned. A frame
 * that is cut short or fails its checksum ends the log (a write torn by a crash).
 */
export interface FrameRecord {
  readonly topic: string;
  readonly key: string;
  /** null: a tombstone (compacted topics only). */
  readonly value: string | null;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timestamp: number;
}

export interface FramePosition {
  readonly groupId: string;
  readonly topic: string;
  /** The next offset the group reads. */
  readonly next: number;
}

export interface Frame {
  readonly records: readonly FrameRecord[];
  readonly positions: readonly FramePosition[];
}

/** Where one record's bytes are, relative to the start of the buffer it was encoded into or read from. */
export interface RecordSpan {
  readonly start: number;
  readonly length: number;
}

export const FRAME_HEADER_BYTES = 8;
const VERSION = 1;
const HAS_VALUE = 1;
const HAS_HEADERS = 2;

const strBytes = (s: string) => 4 + Buffer.byteLength(s);

function hasHeaders(r: FrameRecord): r is FrameRecord & { headers: Readonly<Record<string, string>> } {
  return r.headers !== undefined && Object.keys(r.headers).length > 0;
}

/** Encode a frame; `spans` are each record's bytes within the returned buffer, in order. */
export function encodeFrame(frame: Frame): { bytes: Buffer; spans: RecordSpan[] } {
  const headerTexts = frame.records.map((r) => (hasHeaders(r) ? JSON.stringify(r.headers) : undefined));
  let size = FRAME_HEADER_BYTES + 1 + 4 + 4;
  const recordSizes = frame.records.map((r, i) => {
    const text = headerTexts[i];
    return (
      8 +
      strBytes(r.topic) +
      strBytes(r.key) +
      1 +
      (r.value === null ? 0 : strBytes(r.value)) +
      (text === undefined ? 0 : strBytes(text))
    );
  });
  for (const n of recordSizes) size += n;
  for (const p of frame.positions) size += strBytes(p.groupId) + strBytes(p.topic) + 8;
  const buf = Buffer.allocUnsafe(size);
  let at = FRAME_HEADER_BYTES;
  const str = (s: string) => {
    const n = buf.write(s, at + 4, 'utf8');
    buf.writeUInt32LE(n, at);
    at += 4 + n;
  };
  buf.writeUInt8(VERSION, at);
  at += 1;
  buf.writeUInt32LE(frame.records.length, at);
  at += 4;
  const spans: RecordSpan[] = [];
  frame.records.forEach((r, i) => {
    const start = at;
    buf.writeDoubleLE(r.timestamp, at);
    at += 8;
    str(r.topic);
    str(r.key);
    const text = headerTexts[i];
    buf.writeUInt8((r.value === null ? 0 : HAS_VALUE) | (text === undefined ? 0 : HAS_HEADERS), at);
    at += 1;
    if (r.value !== null) str(r.value);
    if (text !== undefined) str(text);
    spans.push({ start, length: at - start });
  });
  buf.writeUInt32LE(frame.positions.length, at);
  at += 4;
  for (const p of frame.positions) {
    str(p.groupId);
    str(p.topic);
    buf.writeDoubleLE(p.next, at);
    at += 8;
  }
  const payloadLength = size - FRAME_HEADER_BYTES;
  buf.writeUInt32LE(payloadLength, 0);
  buf.writeUInt32LE(crc32(buf.subarray(FRAME_HEADER_BYTES)), 4);
  return { bytes: buf, spans };
}

/** A bounds-checked reader: a length that runs past the end throws, so a bad frame cannot over-read. */
class Cursor {
  constructor(
    readonly buf: Buffer,
    public at: number,
    readonly end: number,
  ) {}
  #need(n: number): void {
    if (this.at + n > this.end) throw new RangeError(`frame truncated at byte ${this.at}`);
  }
  u8(): number {
    this.#need(1);
    return this.buf.readUInt8(this.at++);
  }
  u32(): number {
    this.#need(4);
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  f64(): number {
    this.#need(8);
    const v = this.buf.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }
  str(): string {
    const n = this.u32();
    this.#need(n);
    const s = this.buf.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }
}

function readRecord(c: Cursor): FrameRecord {
  const timestamp = c.f64();
  const topic = c.str();
  const key = c.str();
  const flags = c.u8();
  const value = flags & HAS_VALUE ? c.str() : null;
  if (!(flags & HAS_HEADERS)) return { topic, key, value, timestamp };
  const headers: unknown = JSON.parse(c.str());
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers))
    throw new TypeError('record headers are not an object');
  return { topic, key, value, headers: headers as Record<string, string>, timestamp };
}

/** Decode one record from the bytes of its span. */
export function decodeRecord(buf: Buffer, start = 0, length = buf.length - start): FrameRecord {
  const c = new Cursor(buf, start, start + length);
  const record = readRecord(c);
  if (c.at !== start + length) throw new RangeError('record span does not match its encoding');
  return record;
}

export interface DecodedFrame extends Frame {
  /** Byte offset of the frame in the buffer. */
  readonly start: number;
  /** Each record's bytes, as offsets from the frame's start (as `encodeFrame` gives them). */
  readonly spans: readonly RecordSpan[];
}

/**
 * The frames of a segment's bytes, in order, and where the last whole frame ends. `end` short of
 * the buffer's length means the bytes from there are not a whole, intact frame (`reason` says why).
 */
export function decodeFrames(buf: Buffer): { frames: DecodedFrame[]; end: number; reason?: string } {
  const frames: DecodedFrame[] = [];
  let at = 0;
  while (at < buf.length) {
    if (buf.length - at < FRAME_HEADER_BYTES) return { frames, end: at, reason: 'a partial frame header' };
    const payloadLength = buf.readUInt32LE(at);
    const payloadStart = at + FRAME_HEADER_BYTES;
    const frameEnd = payloadStart + payloadLength;
    // No frame has an empty payload, and an all-zero header would pass the checksum (the CRC-32
    // of nothing is 0): zeros where a crash lost a write's data, not a written frame.
    if (payloadLength === 0) return { frames, end: at, reason: 'zeros instead of a frame' };
    if (frameEnd > buf.length) return { frames, end: at, reason: 'a partial frame' };
    if (crc32(buf.subarray(payloadStart, frameEnd)) !== buf.readUInt32LE(at + 4))
      return { frames, end: at, reason: 'a frame whose checksum does not match' };
    try {
      const c = new Cursor(buf, payloadStart, frameEnd);
      const version = c.u8();
      if (version !== VERSION) throw new RangeError(`unknown frame version ${version}`);
      const records: FrameRecord[] = [];
      const spans: RecordSpan[] = [];
      for (let n = c.u32(); n > 0; n--) {
        const start = c.at;
        records.push(readRecord(c));
        spans.push({ start: start - at, length: c.at - start });
      }
      const positions: FramePosition[] = [];
      for (let n = c.u32(); n > 0; n--) positions.push({ groupId: c.str(), topic: c.str(), next: c.f64() });
      if (c.at !== frameEnd) throw new RangeError('frame has trailing bytes');
      frames.push({ start: at, records, positions, spans });
    } catch (e) {
      // The checksum matched, so the bytes are as written: this is not a torn write.
      throw new Error(`event log frame at byte ${at} is malformed`, { cause: e });
    }
    at = frameEnd;
  }
  return { frames, end: at };
}
