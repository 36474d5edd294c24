import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { err, ok, type Result } from '@weft/contracts';
import type { LogRecord, OutgoingRecord } from '../event-log.port';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Kafka bytes as text; undefined when they are not UTF-8. */
export function textFromKafka(bytes: Buffer | string): string | undefined {
  if (typeof bytes === 'string') return bytes;
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Kafka headers (Buffers, possibly repeated) as the port's strings; a repeated header keeps its last value. */
export function headersFromKafka(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    const last = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (last === undefined) continue;
    const text = textFromKafka(last);
    if (text !== undefined) out[name] = text;
  }
  return out;
}

/**
 * A fetched Kafka message as a port record, or why it is not one: a null value outside a compacted
 * topic (somebody else's tombstone) or bytes that are not UTF-8 text. Keys may be absent upstream
 * (start requests accept any key): they read as ''.
 */
export function recordFromKafka(
  topic: string,
  partition: number,
  message: KafkaMessage,
): Result<LogRecord, string> {
  if (message.value === null) return err('null value (a tombstone) on a topic read as a stream');
  const value = textFromKafka(message.value);
  if (value === undefined) return err('value is not UTF-8 text');
  const key = message.key === null ? '' : textFromKafka(message.key);
  if (key === undefined) return err('key is not UTF-8 text');
  const offset = Number(message.offset);
  if (!Number.isSafeInteger(offset)) return err(`offset ${message.offset} is not a safe integer`);
  const millis = Number(message.timestamp);
  return ok({
    topic,
    partition,
    offset,
    key,
    value,
    headers: headersFromKafka(message.headers),
    timestamp: new Date(Number.isFinite(millis) ? millis : 0).toISOString(),
  });
}

/** A port record as a kafkajs message (the key picks the partition through the default murmur2 partitioner). */
export function messageToKafka(record: OutgoingRecord, timestamp: Date): Message {
  return {
    key: record.key,
    value: record.value,
    headers: { ...record.headers },
    timestamp: String(timestamp.getTime()),
  };
}

/** Group records by topic, keeping their order, as kafkajs `sendBatch` takes them. */
export function topicMessages(
  records: readonly OutgoingRecord[],
  timestamp: Date,
): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>();
  for (const record of records) {
    const messages = byTopic.get(record.topic) ?? [];
    messages.push(messageToKafka(record, timestamp));
    byTopic.set(record.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
