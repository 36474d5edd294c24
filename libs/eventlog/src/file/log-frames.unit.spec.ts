import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeFrames, decodeRecord, encodeFrame, FRAME_HEADER_BYTES, type Frame } from './log-frames';

const frame: Frame = {
  records: [
    {
      topic: 'runs',
      key: 'run-1',
      value: '{"name":"héllo wörld ✓ 日本語 🎉"}',
      headers: { 'content-type': 'application/json', 'x-note': 'naïve — ü' },
      timestamp: 1_700_000_000_123,
    },
    { topic: 'runs', key: '', value: '', timestamp: 1_700_000_000_123.5 },
    { topic: 'state', key: 'ключ-🔑', value: null, timestamp: 0 },
    { topic: 'state', key: 'k', value: null, headers: { reason: 'deleted' }, timestamp: 1 },
    { topic: '', key: 'k', value: '∑', timestamp: -1 },
  ],
  positions: [
    { groupId: 'scheduler', topic: 'runs', next: 0 },
    { groupId: 'gruppe-ä', topic: 'state', next: 2 ** 40 + 7 },
  ],
};

const other: Frame = {
  records: [{ topic: 'runs', key: 'run-2', value: '{"n":2}', timestamp: 42 }],
  positions: [],
};

/** Two frames back to back, as in a segment file. */
function twoFrames() {
  const first = encodeFrame(frame);
  const second = encodeFrame(other);
  return { first, second, bytes: Buffer.concat([first.bytes, second.bytes]) };
}

/** Rewrite a frame's CRC for its (altered) payload, so only its structure can be wrong. */
function resealed(bytes: Buffer): Buffer {
  bytes.writeUInt32LE(crc32(bytes.subarray(FRAME_HEADER_BYTES)), 4);
  return bytes;
}

describe('log frames', () => {
  it('round-trips a frame of records and positions', () => {
    const { bytes, spans } = encodeFrame(frame);
    expect(bytes.readUInt32LE(0)).toBe(bytes.length - FRAME_HEADER_BYTES);
    expect(bytes.readUInt32LE(4)).toBe(crc32(bytes.subarray(FRAME_HEADER_BYTES)));

    const decoded = decodeFrames(bytes);
    expect(decoded.end).toBe(bytes.length);
    expect(decoded.reason).toBeUndefined();
    expect(decoded.frames).toHaveLength(1);
    const [only] = decoded.frames;
    expect(only!.start).toBe(0);
    expect(only!.records).toEqual(frame.records);
    expect(only!.positions).toEqual(frame.positions);
    expect(only!.spans).toEqual(spans);
    // A record without headers decodes without the property (not with an empty object).
    expect(only!.records[1]).not.toHaveProperty('headers');
  });

  it('encodes empty headers as no headers', () => {
    const { bytes } = encodeFrame({
      records: [{ topic: 't', key: 'k', value: 'v', headers: {}, timestamp: 5 }],
      positions: [],
    });
    expect(decodeFrames(bytes).frames[0]!.records).toEqual([
      { topic: 't', key: 'k', value: 'v', timestamp: 5 },
    ]);
  });

  it('round-trips a frame with no records (a consumer position only) and one with nothing', () => {
    const positionsOnly: Frame = { records: [], positions: [{ groupId: 'g', topic: 't', next: 3 }] };
    const empty: Frame = { records: [], positions: [] };
    const bytes = Buffer.concat([encodeFrame(positionsOnly).bytes, encodeFrame(empty).bytes]);
    const decoded = decodeFrames(bytes);
    expect(decoded.end).toBe(bytes.length);
    expect(decoded.frames.map(({ records, positions }) => ({ records, positions }))).toEqual([
      positionsOnly,
      empty,
    ]);
  });

  it("decodes each record from its span, the encoder's and the decoder's", () => {
    const { bytes, spans } = encodeFrame(frame);
    expect(spans).toHaveLength(frame.records.length);
    spans.forEach((span, i) =>
      expect(decodeRecord(bytes, span.start, span.length)).toEqual(frame.records[i]),
    );
    // A span's bytes on their own, as the log reads them from a segment.
    spans.forEach((span, i) =>
      expect(decodeRecord(Buffer.from(bytes.subarray(span.start, span.start + span.length)))).toEqual(
        frame.records[i],
      ),
    );
    // A span that is too long for the record is refused rather than half read.
    const span = spans[0]!;
    expect(() => decodeRecord(bytes, span.start, span.length + 1)).toThrow(RangeError);
    expect(() => decodeRecord(bytes, span.start, span.length - 1)).toThrow(RangeError);
  });

  it("decodes concatenated frames, with spans as offsets from each frame's start", () => {
    const { first, second, bytes } = twoFrames();
    const decoded = decodeFrames(bytes);
    expect(decoded.end).toBe(bytes.length);
    expect(decoded.reason).toBeUndefined();
    expect(decoded.frames.map((f) => f.start)).toEqual([0, first.bytes.length]);
    expect(decoded.frames[0]!.records).toEqual(frame.records);
    expect(decoded.frames[1]!.records).toEqual(other.records);
    expect(decoded.frames[1]!.positions).toEqual([]);
    expect(decoded.frames[1]!.spans).toEqual(second.spans);
    for (const f of decoded.frames)
      f.spans.forEach((span, i) =>
        expect(decodeRecord(bytes, f.start + span.start, span.length)).toEqual(f.records[i]),
      );
  });

  it('an empty buffer has no frames', () => {
    expect(decodeFrames(Buffer.alloc(0))).toEqual({ frames: [], end: 0 });
  });

  describe('a torn tail ends the log at the last whole frame', () => {
    it('cut inside the frame header', () => {
      const { first, bytes } = twoFrames();
      for (const cut of [1, 4, FRAME_HEADER_BYTES - 1]) {
        const decoded = decodeFrames(bytes.subarray(0, first.bytes.length + cut));
        expect(decoded.frames.map((f) => f.records)).toEqual([frame.records]);
        expect(decoded.end).toBe(first.bytes.length);
        expect(decoded.reason).toMatch(/partial frame header/);
      }
    });

    it('cut inside the payload', () => {
      const { first, bytes } = twoFrames();
      for (const cut of [FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + 3, bytes.length - first.bytes.length - 1]) {
        const decoded = decodeFrames(bytes.subarray(0, first.bytes.length + cut));
        expect(decoded.frames.map((f) => f.records)).toEqual([frame.records]);
        expect(decoded.end).toBe(first.bytes.length);
        expect(decoded.reason).toMatch(/partial frame/);
      }
    });

    it('a flipped payload byte (checksum mismatch)', () => {
      const { first, bytes } = twoFrames();
      const flipped = Buffer.from(bytes);
      flipped[first.bytes.length + FRAME_HEADER_BYTES + 5]! ^= 0x01;
      const decoded = decodeFrames(flipped);
      expect(decoded.frames.map((f) => f.records)).toEqual([frame.records]);
      expect(decoded.end).toBe(first.bytes.length);
      expect(decoded.reason).toMatch(/checksum/);
    });

    it('zeros where a write was lost (an all-zero header passes the checksum of an empty payload)', () => {
      const { first, bytes } = twoFrames();
      for (const zeros of [FRAME_HEADER_BYTES, 4096]) {
        const decoded = decodeFrames(
          Buffer.concat([bytes.subarray(0, first.bytes.length), Buffer.alloc(zeros)]),
        );
        expect(decoded.frames.map((f) => f.records)).toEqual([frame.records]);
        expect(decoded.end).toBe(first.bytes.length);
        expect(decoded.reason).toMatch(/zeros/);
      }
    });

    it('a bad first frame leaves no frames', () => {
      const { bytes } = twoFrames();
      const flipped = Buffer.from(bytes);
      flipped[FRAME_HEADER_BYTES + 20]! ^= 0x80;
      const decoded = decodeFrames(flipped);
      expect(decoded.frames).toEqual([]);
      expect(decoded.end).toBe(0);
      expect(decoded.reason).toMatch(/checksum/);
    });
  });

  describe('a frame whose checksum matches but whose payload is malformed throws', () => {
    // The first record's topic length: after the header, the version (1), the record count (4)
    // and the record's timestamp (8).
    const TOPIC_LENGTH_AT = FRAME_HEADER_BYTES + 1 + 4 + 8;

    it('a length field that runs past the frame', () => {
      const { first, bytes } = twoFrames();
      const bad = Buffer.from(bytes);
      const second = bad.subarray(first.bytes.length);
      expect(second.readUInt32LE(TOPIC_LENGTH_AT)).toBe(Buffer.byteLength('runs'));
      second.writeUInt32LE(0xffff, TOPIC_LENGTH_AT);
      resealed(second);
      const thrown = (() => {
        try {
          decodeFrames(bad);
        } catch (e) {
          return e;
        }
      })();
      expect(thrown).toBeInstanceOf(Error);
      expect((thrown as Error).message).toBe(`event log frame at byte ${first.bytes.length} is malformed`);
      expect((thrown as Error).cause).toBeInstanceOf(RangeError);
    });

    it('a length field that leaves trailing bytes', () => {
      const bad = Buffer.from(encodeFrame(other).bytes);
      // No records: the record's first 4 bytes (a timestamp of 42 as f64, low half 0) are read as a
      // position count of 0, and the rest of the record is left over.
      bad.writeUInt32LE(0, FRAME_HEADER_BYTES + 1);
      expect(() => decodeFrames(resealed(bad))).toThrow('event log frame at byte 0 is malformed');
    });

    it('an unknown version', () => {
      const bad = Buffer.from(encodeFrame(other).bytes);
      bad.writeUInt8(2, FRAME_HEADER_BYTES);
      expect(() => decodeFrames(resealed(bad))).toThrow('is malformed');
    });
  });
});
