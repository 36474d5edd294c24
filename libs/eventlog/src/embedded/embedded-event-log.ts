import { sql, type Compilable, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { Migrator } from 'kysely/migration';
import type { EventLog, LogRecord, OutgoingRecord } from '../event-log.port';
import {
  InProcessEventLog,
  PARTITION,
  yieldToIo,
  type Appended,
  type InProcessLogOptions,
  type Position,
} from '../in-process/in-process-event-log';
import { embeddedLogMigrations } from './embedded-log.migrations';

/** An append worked out: its rows, and per compacted topic the latest value of each key written. */
interface Plan extends Appended {
  readonly rows: readonly LogTables['eventlog_records'][];
  readonly latest: Map<string, Map<string, string | null>>;
  readonly timestamp: string;
}

/** Rows from `next` (each stream topic's next offset); compacted topics keep each key's latest write. */
function planAppend(
  records: readonly OutgoingRecord[],
  compacted: ReadonlySet<string>,
  next: ReadonlyMap<string, number>,
  timestamp: string,
): Plan {
  const advanced = new Map<string, number>();
  const rows: LogTables['eventlog_records'][] = [];
  const latest = new Map<string, Map<string, string | null>>();
  for (const r of records) {
    if (compacted.has(r.topic)) {
      const keys = latest.get(r.topic) ?? new Map<string, string | null>();
      keys.delete(r.key); // re-insert: the map's order is the order of the latest writes
      keys.set(r.key, r.value);
      latest.set(r.topic, keys);
      continue;
    }
    if (r.value === null) throw new Error(`tombstone on topic ${r.topic}, which is not compacted`);
    const offset = advanced.get(r.topic) ?? next.get(r.topic)!;
    advanced.set(r.topic, offset + 1);
    rows.push({
      topic: r.topic,
      partition: PARTITION,
      offset,
      key: r.key,
      value: r.value,
      headers: { ...r.headers },
      timestamp,
    });
  }
  return { advanced, rows, records: rows.map(toLogRecord), latest, timestamp };
}

function toLogRecord(row: LogTables['eventlog_records']): LogRecord {
  return {
    topic: row.topic,
    partition: row.partition,
    offset: Number(row.offset),
    key: row.key,
    value: row.value,
    headers: row.headers,
    timestamp: typeof row.timestamp === 'string' ? row.timestamp : row.timestamp.toISOString(),
  };
}

function splitLatest(keys: ReadonlyMap<string, string | null>): {
  deleted: string[];
  written: [string, string][];
} {
  const deleted: string[] = [];
  const written: [string, string][] = [];
  for (const [key, value] of keys) {
    if (value === null) deleted.push(key);
    else written.push([key, value]);
  }
  return { deleted, written };
}

function upsertCompacted(
  db: Kysely<LogTables>,
  topic: string,
  written: readonly [string, string][],
  timestamp: string,
) {
  return db
    .insertInto('eventlog_compacted')
    .values(written.map(([key, value]) => ({ topic, key, value, timestamp })))
    .onConflict((oc) =>
      oc.columns(['topic', 'key']).doUpdateSet((eb) => ({
        value: eb.ref('excluded.value'),
        timestamp: eb.ref('excluded.timestamp'),
      })),
    );
}

function commitQuery(db: Kysely<LogTables>, groupId: string, topic: string, offset: number) {
  const next = offset + 1;
  return db
    .insertInto('eventlog_group_offsets')
    .values({ group_id: groupId, topic, partition: PARTITION, next_offset: next })
    .onConflict((oc) =>
      oc
        .columns(['group_id', 'topic', 'partition'])
        .doUpdateSet({ next_offset: next })
        .where('eventlog_group_offsets.next_offset', '<', next),
    );
}

interface LogTables {
  eventlog_records: {
    topic: string;
    partition: number;
    offset: number | string;
    key: string;
    value: string;
    headers: Record<string, string>;
    timestamp: string | Date;
  };
  eventlog_group_offsets: {
    group_id: string;
    topic: string;
    partition: number;
    next_offset: number | string;
  };
  eventlog_compacted: { topic: string; key: string; value: string; timestamp: string | Date };
}

export interface EmbeddedEventLogOptions extends InProcessLogOptions {
  /** The embedded database (its driver must serialise transactions, as the store's PGlite dialect does). */
  readonly db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- shared with the store's own schema
  readonly now?: () => Date;
}

/**
 * The event log in the embedded database: every topic has one partition, stored in tables, so the
 * scheduler's events, its state and its consumed position commit in one SQL transaction.
 */
export async function openEmbeddedEventLog(options: EmbeddedEventLogOptions): Promise<EventLog> {
  const db = options.db as Kysely<LogTables>;
  const { error, results } = await new Migrator({
    db,
    provider: { getMigrations: async () => embeddedLogMigrations },
    migrationTableName: 'eventlog_migrations',
    migrationLockTableName: 'eventlog_migrations_lock',
  }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`embedded event log migration ${failed} failed`, { cause: error });
  }
  return new EmbeddedEventLog(db, options);
}

class EmbeddedEventLog extends InProcessEventLog {
  readonly #db: Kysely<LogTables>;
  readonly #now: () => Date;
  readonly #waiting: {
    records: readonly OutgoingRecord[];
    resolve: () => void;
    reject: (e: unknown) => void;
  }[] = [];
  #writing = false;

  constructor(db: Kysely<LogTables>, options: EmbeddedEventLogOptions) {
    super(options);
    this.#db = db;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Group commit: appends asked for while a transaction is in flight are written together in the
   * next one; each call resolves once its own records have committed.
   */
  produce(records: readonly OutgoingRecord[]): Promise<void> {
    this.assertOpen();
    if (records.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiting.push({ records, resolve, reject });
      if (!this.#writing) void this.#writeWaiting();
    });
  }

  async #writeWaiting(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#waiting.length > 0) {
        // Let pending I/O (more agent replies, more requests) run first, so they join this write.
        await yieldToIo();
        const group = this.#waiting.splice(0);
        try {
          await this.#appendNow(group.flatMap((p) => p.records));
          for (const p of group) p.resolve();
        } catch (e) {
          if (group.length === 1) {
            group[0]!.reject(e);
            continue;
          }
          // One caller's records may be what failed: each on its own, so only that one fails.
          for (const p of group) await this.#appendNow(p.records).then(p.resolve, p.reject);
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  async #appendNow(records: readonly OutgoingRecord[]): Promise<void> {
    this.publish(await this.#appendAtomically(records));
  }

  /**
   * Append `records` (and move `position`, a consumer's committed offset) atomically. What fits
   * one statement — offsets known, at most 500 rows per table — is written as one: the inserts as
   * data-modifying `WITH` clauses of it, with no BEGIN/COMMIT around (a single statement is atomic
   * and durable on its own; each statement costs the embedded database about the same, whatever
   * it does). Anything larger takes a transaction of several.
   */
  async #appendAtomically(records: readonly OutgoingRecord[], position?: Position): Promise<Appended> {
    const plan = this.#plan(records);
    if (plan && plan.rows.length <= 500 && [...plan.latest.values()].every((keys) => keys.size <= 500)) {
      await this.#writeInOneStatement(plan, position);
      return plan;
    }
    return this.#db.transaction().execute(async (trx) => {
      const appended = await this.#append(trx, records);
      if (position) await commitQuery(trx, position.groupId, position.topic, position.offset).execute();
      return appended;
    });
  }

  /** The rows and compacted writes of `records`, or undefined while a topic's next offset is unknown. */
  #plan(records: readonly OutgoingRecord[]): Plan | undefined {
    const next = new Map<string, number>();
    for (const r of records) {
      if (this.compacted.has(r.topic) || next.has(r.topic)) continue;
      const known = this.knownNextOffset(r.topic);
      if (known === undefined) return undefined;
      next.set(r.topic, known);
    }
    return planAppend(records, this.compacted, next, this.#now().toISOString());
  }

  async #writeInOneStatement(plan: Plan, position: Position | undefined): Promise<void> {
    const db = this.#db;
    const clauses: RawBuilder<unknown>[] = [];
    let n = 0;
    const clause = (query: Compilable) => clauses.push(sql`${sql.raw(`w${n++}`)} as (${query})`);
    if (plan.rows.length > 0) clause(db.insertInto('eventlog_records').values([...plan.rows]));
    for (const [topic, keys] of plan.latest) {
      const { deleted, written } = splitLatest(keys);
      if (deleted.length > 0)
        clause(db.deleteFrom('eventlog_compacted').where('topic', '=', topic).where('key', 'in', deleted));
      if (written.length > 0) clause(upsertCompacted(db, topic, written, plan.timestamp));
    }
    if (position) clause(commitQuery(db, position.groupId, position.topic, position.offset));
    if (clauses.length === 0) return;
    await sql`with ${sql.join(clauses)} select 1`.execute(db);
  }

  async readCompacted(topic: string): Promise<Map<string, string>> {
    const rows = await this.#db
      .selectFrom('eventlog_compacted')
      .select(['key', 'value'])
      .where('topic', '=', topic)
      .execute();
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  /** A committed append is durable: `durable` changes nothing here. */
  protected async appendWithPosition(
    records: readonly OutgoingRecord[],
    position: Position,
    _durable: boolean,
  ): Promise<void> {
    this.publish(await this.#appendAtomically(records, position));
  }

  protected async writePositions(groupId: string, handled: ReadonlyMap<string, number>): Promise<void> {
    for (const [topic, offset] of handled) await commitQuery(this.#db, groupId, topic, offset).execute();
  }

  protected async storedPosition(groupId: string, topic: string): Promise<number | undefined> {
    const row = await this.#db
      .selectFrom('eventlog_group_offsets')
      .select('next_offset')
      .where('group_id', '=', groupId)
      .where('topic', '=', topic)
      .where('partition', '=', PARTITION)
      .executeTakeFirst();
    return row ? Number(row.next_offset) : undefined;
  }

  protected headOffset(topic: string): Promise<number> {
    return this.#db.transaction().execute((trx) => this.#loadNextOffset(trx, topic));
  }

  protected async readStored(topic: string, from: number, limit: number): Promise<LogRecord[]> {
    const rows = await this.#db
      .selectFrom('eventlog_records')
      .selectAll()
      .where('topic', '=', topic)
      .where('partition', '=', PARTITION)
      .where('offset', '>=', from)
      .orderBy('offset')
      .limit(limit)
      .execute();
    return rows.map(toLogRecord);
  }

  /**
   * Append within a transaction; returns what was appended, to be published only after commit.
   * Compacted topics are written with one statement per topic and kind (latest value per key wins).
   */
  async #append(
    trx: Kysely<LogTables> | Transaction<LogTables>,
    records: readonly OutgoingRecord[],
  ): Promise<Appended> {
    const next = new Map<string, number>();
    for (const r of records) {
      if (this.compacted.has(r.topic) || next.has(r.topic)) continue;
      next.set(r.topic, await this.#loadNextOffset(trx, r.topic));
    }
    const plan = planAppend(records, this.compacted, next, this.#now().toISOString());
    for (const [topic, keys] of plan.latest) {
      const { deleted, written } = splitLatest(keys);
      for (let i = 0; i < deleted.length; i += 500) {
        await trx
          .deleteFrom('eventlog_compacted')
          .where('topic', '=', topic)
          .where('key', 'in', deleted.slice(i, i + 500))
          .execute();
      }
      for (let i = 0; i < written.length; i += 500)
        await upsertCompacted(trx, topic, written.slice(i, i + 500), plan.timestamp).execute();
    }
    for (let i = 0; i < plan.rows.length; i += 500) {
      await trx
        .insertInto('eventlog_records')
        .values(plan.rows.slice(i, i + 500))
        .execute();
    }
    return plan;
  }

  async #loadNextOffset(trx: Kysely<LogTables>, topic: string): Promise<number> {
    const known = this.knownNextOffset(topic);
    if (known !== undefined) return known;
    const row = await trx
      .selectFrom('eventlog_records')
      .select(sql<string | number | null>`max("offset")`.as('max'))
      .where('topic', '=', topic)
      .where('partition', '=', PARTITION)
      .executeTakeFirst();
    return row?.max === null || row?.max === undefined ? 0 : Number(row.max) + 1;
  }
}
