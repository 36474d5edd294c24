import { randomBytes } from 'node:crypto';
import { topicNames } from '@weft/contracts';
import { openEmbeddedEventLog, type EventLog } from '@weft/eventlog';
import { insertTimers, migrateToLatest, openPgliteStore, openPgStore, type Store } from '@weft/store';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTopic } from './test-support/read-topic';
import { createTimerService } from './timer-service';

const DATABASE_URL = process.env['WEFT_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `weft_timer_service_test_${process.pid}_${randomBytes(4).toString('hex')}`;
const topics = topicNames('t.');
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

// Two instances, each with its own pool, on one real Postgres schema; commands go to an embedded
// log on PGlite (the log is only the transport here: the race is on the timers table).
let first: Store;
let second: Store;
let logStore: Store;
let log: EventLog;

beforeAll(async () => {
  first = await openPgStore({ connectionString: DATABASE_URL, schema, max: 4 });
  second = await openPgStore({ connectionString: DATABASE_URL, schema, max: 4 });
  await migrateToLatest(first.db);
  logStore = await openPgliteStore();
  log = await openEmbeddedEventLog({ db: logStore.db, idlePollMs: 100 });
});
afterAll(async () => {
  await log?.close();
  await logStore?.close();
  await second?.close();
  if (first !== undefined) {
    await sql.raw(`drop schema if exists "${schema}" cascade`).execute(first.db);
    await first.close();
  }
});

describe('timer service on Postgres', () => {
  it('fires each of 200 due timers exactly once when two instances race', async () => {
    const fireAt = '2026-01-01T00:00:00.000Z';
    const timers = Array.from({ length: 200 }, (_, i) => ({
      run_id: uuid(i % 20),
      timer_id: `step-${i}/timeout#1`,
      purpose: 'step_timeout',
      fire_at: fireAt,
    }));
    await insertTimers(first.db, timers);
    const a = createTimerService({ log, topics, db: first.db, batchSize: 15 });
    const b = createTimerService({ log, topics, db: second.db, batchSize: 15 });

    const counts = await Promise.all([a.fireDue(), b.fireDue(), a.fireDue(), b.fireDue()]);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(200);
    expect(counts[0]! + counts[2]!).toBeGreaterThan(0);
    expect(counts[1]! + counts[3]!).toBeGreaterThan(0);

    const commands = (await readTopic(log, topics.commands)).map((r) => JSON.parse(r.value));
    expect(commands).toHaveLength(200);
    expect(new Set(commands.map((c) => `${c.run_id} ${c.timer_id}`)).size).toBe(200);
    const { rows } = await sql<{ status: string; n: number }>`
      select status, count(*) as n from timers group by status`.execute(first.db);
    expect(rows).toEqual([{ status: 'fired', n: 200 }]);
    expect(await Promise.all([a.fireDue(), b.fireDue()])).toEqual([0, 0]);
  });
});
