import { HEADERS } from '@weft/contracts';
import type { LogRecord, OutgoingRecord } from './event-log.port';

/** The dead-letter record for a record that could not be used: original bytes, reason in headers. */
export function deadLetterRecord(record: LogRecord, reason: string, deadLetterTopic: string): OutgoingRecord {
  return {
    topic: deadLetterTopic,
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      [HEADERS.deadLetterReason]: reason.slice(0, 2000),
      [HEADERS.deadLetterTopic]: record.topic,
      [HEADERS.deadLetterPartition]: String(record.partition),
      [HEADERS.deadLetterOffset]: String(record.offset),
    },
  };
}

/** Headers of every JSON record the engine writes. */
export function jsonHeaders(runId?: string): Record<string, string> {
  return runId === undefined
    ? { [HEADERS.contentType]: 'application/json' }
    : { [HEADERS.contentType]: 'application/json', [HEADERS.runId]: runId };
}

/** Headers of a run event on `wf.events`: those of every JSON record, and the event's type. */
export function eventHeaders(event: {
  readonly run_id: string;
  readonly type: string;
}): Record<string, string> {
  return { ...jsonHeaders(event.run_id), [HEADERS.eventType]: event.type };
}

/** The type an event record's header names (`eventHeaders`), if it has one; its body is not read. */
export function eventTypeOf(record: Pick<LogRecord, 'headers'>): string | undefined {
  return record.headers[HEADERS.eventType];
}
