import { randomUUID } from 'node:crypto';
import type { EventLog, LogRecord } from '@weft/eventlog';
import { waitFor } from '@weft/testing';

/**
 * Everything on `topic` so far: appends a sentinel record, reads with a fresh group until the
 * sentinel arrives, and returns the records before it. Lets a test say "exactly these, no more".
 */
export async function readTopic(log: EventLog, topic: string): Promise<LogRecord[]> {
  const sentinel = `sentinel-${randomUUID()}`;
  await log.produce([{ topic, key: sentinel, value: '{}' }]);
  return (await readUntil(log, topic, (seen) => seen.some((r) => r.key === sentinel))).filter(
    (r) => r.key !== sentinel,
  );
}

/** Read `topic` from the beginning with a fresh group until `done(records so far)`. */
export async function readUntil(
  log: EventLog,
  topic: string,
  done: (seen: readonly LogRecord[]) => boolean,
  timeoutMs = 10_000,
): Promise<LogRecord[]> {
  const seen: LogRecord[] = [];
  const handle = await log.consume(
    { groupId: `reader-${randomUUID()}`, topics: [topic] },
    async (batch) => void seen.push(...batch.records),
  );
  try {
    await waitFor(() => done(seen), { timeoutMs, message: `${topic}: ${seen.length} records` });
  } finally {
    await handle.stop();
  }
  return seen;
}

/** A clock the test moves by hand. */
export function manualClock(startIso: string): { now: () => Date; set(iso: string): void } {
  let t = Date.parse(startIso);
  return {
    now: () => new Date(t),
    set(iso) {
      t = Date.parse(iso);
    },
  };
}
