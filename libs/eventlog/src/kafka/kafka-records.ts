import {
  Partitioners,
  type ICustomPartitioner,
  type IHeaders,
  type KafkaMessage,
  type Message,
} from 'kafkajs';
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

/** Where a message's {@link OutgoingRecord.partitionKey} travels to the partitioner (not sent). */
const PARTITION_KEY = Symbol('weft.partitionKey');
type KeyedMessage = Message & { [PARTITION_KEY]?: string };

/**
 * A port record as a kafkajs message. Its key, or its `partitionKey` when it has one, picks the
 * partition through {@link keyedPartitioner}.
 */
export function messageToKafka(record: OutgoingRecord, timestamp: Date): Message {
  const message: KeyedMessage = {
    key: record.key,
    value: record.value,
    headers: { ...record.headers },
    timestamp: String(timestamp.getTime()),
  };
  if (record.partitionKey !== undefined) message[PARTITION_KEY] = record.partitionKey;
  return message;
}

/**
 * kafkajs's default (Java-compatible murmur2) partitioner, hashing a message's partition key in
 * place of its key when it has one: the partition is the one a record keyed by that key goes to.
 */
export const keyedPartitioner: ICustomPartitioner = () => {
  const murmur2 = Partitioners.DefaultPartitioner();
  return ({ topic, partitionMetadata, message }) => {
    const partitionKey = (message as KeyedMessage)[PARTITION_KEY];
    return murmur2({
      topic,
      partitionMetadata,
      message: partitionKey === undefined ? message : { ...message, key: partitionKey },
    });
  };
};

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
