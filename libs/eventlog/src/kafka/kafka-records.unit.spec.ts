import type { IHeaders, KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { headersFromKafka, messageToKafka, recordFromKafka, topicMessages } from './kafka-records';

function message(fields: { key?: Buffer | null; value: Buffer | null; headers?: IHeaders }): KafkaMessage {
  return {
    key: fields.key === undefined ? Buffer.from('k') : fields.key,
    value: fields.value,
    headers: fields.headers ?? {},
    timestamp: '1700000000000',
    attributes: 0,
    offset: '41',
  };
}

describe('kafka records', () => {
  it('reads a fetched message as a port record', () => {
    const result = recordFromKafka(
      't',
      2,
      message({
        value: Buffer.from('{"a":"é"}'),
        headers: { 'content-type': Buffer.from('application/json') },
      }),
    );
    expect(result).toEqual({
      ok: true,
      value: {
        topic: 't',
        partition: 2,
        offset: 41,
        key: 'k',
        value: '{"a":"é"}',
        headers: { 'content-type': 'application/json' },
        timestamp: '2023-11-14T22:13:20.000Z',
      },
    });
  });

  it('refuses tombstones and bytes that are not UTF-8, and reads a missing key as empty', () => {
    expect(recordFromKafka('t', 0, message({ value: null })).ok).toBe(false);
    expect(recordFromKafka('t', 0, message({ value: Buffer.from([0xff, 0xfe]) })).ok).toBe(false);
    expect(recordFromKafka('t', 0, message({ key: Buffer.from([0xc3]), value: Buffer.from('x') })).ok).toBe(
      false,
    );
    const keyless = recordFromKafka('t', 0, message({ key: null, value: Buffer.from('x') }));
    expect(keyless.ok && keyless.value.key).toBe('');
  });

  it('turns headers into strings: repeated headers keep the last value, undefined ones are dropped', () => {
    expect(
      headersFromKafka({
        a: Buffer.from('1'),
        b: [Buffer.from('x'), 'y'],
        c: undefined,
        d: Buffer.from([0xff]),
      }),
    ).toEqual({ a: '1', b: 'y' });
    expect(headersFromKafka(undefined)).toEqual({});
  });

  it('writes port records as kafkajs messages grouped by topic, in order', () => {
    const at = new Date('2024-01-01T00:00:00.000Z');
    expect(messageToKafka({ topic: 't', key: 'k', value: null }, at)).toEqual({
      key: 'k',
      value: null,
      headers: {},
      timestamp: String(at.getTime()),
    });
    const grouped = topicMessages(
      [
        { topic: 'a', key: '1', value: 'x' },
        { topic: 'b', key: '2', value: 'y', headers: { h: 'v' } },
        { topic: 'a', key: '3', value: 'z' },
      ],
      at,
    );
    expect(grouped.map((g) => [g.topic, g.messages.map((m) => m.value)])).toEqual([
      ['a', ['x', 'z']],
      ['b', ['y']],
    ]);
    expect(grouped[1]!.messages[0]!.headers).toEqual({ h: 'v' });
  });
});
