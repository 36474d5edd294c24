import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Compilable, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { Migrator } from 'kysely/migration';
import type {
  BatchHandler,
  ConsumerHandle,
  ConsumerOptions,
  EventLog,
  LogRecord,
  OutgoingRecord,
  RecordBatch,
  TransactionalBatchHandler,
} from '../event-log.port';
import { embeddedLogMigrations } from './embedded-log.migrations';

/** What one transaction appended: each topic's next offset and the rows, published after commit. */
interface Appended {
  readonly advanced: Map<string, number>;
  readonly rows: readonly LogTables['eventlog_records'][];
}

/** An append worked out: its rows, and per compacted topic the latest value of each key written. */
interface Plan extends Appended {
  readonly latest: Map<string, Map<string, string | null>>;
  readonly timestamp: string;
}

/** A consumer's position to commit with an append: `offset` is the last record handled. */
interface Position {
  readonly groupId: string;
  readonly topic: string;
  readonly offset: number;
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
  return { advanced, rows, latest, timestamp };
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

export interface EmbeddedEventLogOptions {
  /** The embedded database (its driver must serialise transactions, as the store's PGlite dialect does). */
  readonly db: Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- shared with the store's own schema
  /** Topics kept as latest-value-per-key tables (Kafka: cleanup.policy=compact). */
  readonly compactedTopics?: readonly string[];
  /** How long an idle consumer waits before looking again, should a wake-up be missed. */
  readonly idlePollMs?: number;
  /**
   * Records of each topic kept in memory after their append commits, so consumers in this process
   * read what was just appended without querying the database. Older records are read from it.
   */
  readonly tailSize?: number;
  /**
   * At-least-once consumers (`consume` with autoCommit) write their position at most this often
   * while busy, and at once when idle or stopping; a crash redelivers what was not yet written.
   */
  readonly commitIntervalMs?: number;
  readonly now?: () => Date;
  readonly onError?: (error: unknown, where: string) => void;
}

const PARTITION = 0;

/** Resolve after the I/O callbacks that are ready have run (a macrotask, not a microtask). */
const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The newest records of one topic, in offset order without gaps. */
interface Tail {
  records: LogRecord[];
  /** Index in `records` of the first live record (the array is compacted now and then). */
  start: number;
}

/**
 * The embedded event log: every topic has one partition, stored in the embedded database, so the
 * scheduler's events, its state and its consumed position commit in one SQL transaction. One member
 * per consumer group (it runs in one process). Consumers are woken in-process on every append.
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

class EmbeddedEventLog implements EventLog {
  readonly #db: Kysely<LogTables>;
  readonly #compacted: ReadonlySet<string>;
  readonly #idlePollMs: number;
  readonly #now: () => Date;
  readonly #onError: (error: unknown, where: string) => void;
  readonly #nextOffset = new Map<string, number>();
  readonly #appended = new EventEmitter();
  readonly #version = new Map<string, number>();
  readonly #consumers = new Set<ConsumerHandle>();
  readonly #tails = new Map<string, Tail>();
  readonly #waiting: {
    records: readonly OutgoingRecord[];
    resolve: () => void;
    reject: (e: unknown) => void;
  }[] = [];
  #writing = false;
  readonly #tailSize: number;
  readonly #commitIntervalMs: number;
  #closed = false;

  constructor(db: Kysely<LogTables>, options: EmbeddedEventLogOptions) {
    this.#db = db;
    this.#compacted = new Set(options.compactedTopics ?? []);
    this.#idlePollMs = options.idlePollMs ?? 1000;
    this.#tailSize = options.tailSize ?? 20_000;
    this.#commitIntervalMs = options.commitIntervalMs ?? 100;
    this.#now = options.now ?? (() => new Date());
    this.#onError = options.onError ?? (() => {});
    this.#appended.setMaxListeners(0);
  }

  /**
   * Group commit: appends asked for while a transaction is in flight are written together in the
   * next one; each call resolves once its own records have committed.
   */
  produce(records: readonly OutgoingRecord[]): Promise<void> {
    this.#assertOpen();
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
    this.#publish(await this.#appendAtomically(records));
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
      if (position) await this.#commit(trx, position.groupId, position.topic, position.offset);
      return appended;
    });
  }

  /** The rows and compacted writes of `records`, or undefined while a topic's next offset is unknown. */
  #plan(records: readonly OutgoingRecord[]): Plan | undefined {
    const next = new Map<string, number>();
    for (const r of records) {
      if (this.#compacted.has(r.topic) || next.has(r.topic)) continue;
      const known = this.#nextOffset.get(r.topic);
      if (known === undefined) return undefined;
      next.set(r.topic, known);
    }
    return planAppend(records, this.#compacted, next, this.#now().toISOString());
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

  consume(
    options: ConsumerOptions & { readonly autoCommit?: boolean },
    handler: BatchHandler,
  ): Promise<ConsumerHandle> {
    // Handled positions not yet written, per topic: written together when the consumer is idle,
    // stops, or `commitIntervalMs` has passed (one statement for many batches under load).
    const pending = new Map<string, number>();
    /** Callers of `ctx.commit` waiting for their position to be written. */
    let written: { resolve: () => void; reject: (e: unknown) => void }[] = [];
    let lastWrite = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const flush = async () => {
      clearTimeout(timer);
      timer = undefined;
      lastWrite = Date.now();
      const waiting = written;
      written = [];
      try {
        for (const [topic, offset] of pending) {
          pending.delete(topic);
          await this.#commit(this.#db, options.groupId, topic, offset);
        }
        for (const w of waiting) w.resolve();
      } catch (e) {
        for (const w of waiting) w.reject(e);
        throw e;
      }
    };
    const later = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        flush().catch((e: unknown) => this.#onError(e, `consumer ${options.groupId} commit`));
      }, this.#commitIntervalMs);
    };
    const mark = (topic: string, offset: number) =>
      pending.set(topic, Math.max(offset, pending.get(topic) ?? -1));
    /** Idle: write what is pending once `commitIntervalMs` has passed (or at once on stop). */
    const flushSoon = async (stopping: boolean) => {
      if (stopping) return flush();
      if (pending.size > 0) later();
    };
    return this.#startConsumer(
      options,
      async (batch, signal) => {
        const last = batch.records[batch.records.length - 1]!;
        await handler(batch, {
          signal,
          // Written with the next flush (one statement for many calls); resolves once written.
          commit: (offset) =>
            new Promise<void>((resolve, reject) => {
              mark(batch.topic, offset);
              written.push({ resolve, reject });
              later();
            }),
        });
        if (options.autoCommit !== false && !signal.aborted) {
          mark(batch.topic, last.offset);
          if (Date.now() - lastWrite >= this.#commitIntervalMs) await flush();
        }
      },
      flushSoon,
    );
  }

  consumeTransactional(
    options: ConsumerOptions,
    handler: TransactionalBatchHandler,
  ): Promise<ConsumerHandle> {
    return this.#startConsumer(options, async (batch) => {
      const out: OutgoingRecord[] = [];
      await handler(batch, { send: (records) => void out.push(...records) });
      const last = batch.records[batch.records.length - 1]!;
      this.#publish(
        await this.#appendAtomically(out, {
          groupId: options.groupId,
          topic: batch.topic,
          offset: last.offset,
        }),
      );
    });
  }

  async readCompacted(topic: string): Promise<Map<string, string>> {
    const rows = await this.#db
      .selectFrom('eventlog_compacted')
      .select(['key', 'value'])
      .where('topic', '=', topic)
      .execute();
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#consumers].map((c) => c.stop()));
    this.#appended.emit('close');
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('event log is closed');
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
      if (this.#compacted.has(r.topic) || next.has(r.topic)) continue;
      next.set(r.topic, await this.#loadNextOffset(trx, r.topic));
    }
    const plan = planAppend(records, this.#compacted, next, this.#now().toISOString());
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
    const known = this.#nextOffset.get(topic);
    if (known !== undefined) return known;
    const row = await trx
      .selectFrom('eventlog_records')
      .select(sql<string | number | null>`max("offset")`.as('max'))
      .where('topic', '=', topic)
      .where('partition', '=', PARTITION)
      .executeTakeFirst();
    return row?.max === null || row?.max === undefined ? 0 : Number(row.max) + 1;
  }

  #publish({ advanced, rows }: Appended): void {
    for (const row of rows) this.#remember(row);
    for (const [topic, next] of advanced) {
      this.#nextOffset.set(topic, next);
      this.#version.set(topic, (this.#version.get(topic) ?? 0) + 1);
      this.#appended.emit('append', topic);
    }
  }

  /** Keep a committed record in its topic's tail; a gap (never expected) drops the tail instead. */
  #remember(row: LogTables['eventlog_records']): void {
    const record: LogRecord = {
      topic: row.topic,
      partition: row.partition,
      offset: Number(row.offset),
      key: row.key,
      value: row.value,
      headers: row.headers,
      timestamp: String(row.timestamp),
    };
    const tail = this.#tails.get(row.topic);
    if (!tail) {
      this.#tails.set(row.topic, { records: [record], start: 0 });
      return;
    }
    const newest = tail.records[tail.records.length - 1];
    if (newest !== undefined && newest.offset + 1 !== record.offset) {
      this.#tails.set(row.topic, { records: [record], start: 0 });
      return;
    }
    tail.records.push(record);
    if (tail.records.length - tail.start > this.#tailSize) tail.start++;
    // Compact now and then, so trimming the oldest record stays O(1) on average.
    if (tail.start >= this.#tailSize) {
      tail.records = tail.records.slice(tail.start);
      tail.start = 0;
    }
  }

  /** Records from `from` held in memory, or undefined when the database must be read. */
  #fromTail(topic: string, from: number, limit: number): LogRecord[] | undefined {
    const tail = this.#tails.get(topic);
    const first = tail?.records[tail.start];
    if (!tail || first === undefined || from < first.offset) {
      // Nothing newer than `from` was appended since it was last read: nothing to fetch.
      const next = this.#nextOffset.get(topic);
      return next !== undefined && from >= next ? [] : undefined;
    }
    const index = tail.start + (from - first.offset);
    return tail.records.slice(index, index + limit);
  }

  async #commit(db: Kysely<LogTables>, groupId: string, topic: string, offset: number): Promise<void> {
    await commitQuery(db, groupId, topic, offset).execute();
  }

  async #committedPosition(groupId: string, topic: string, fromBeginning: boolean): Promise<number> {
    const row = await this.#db
      .selectFrom('eventlog_group_offsets')
      .select('next_offset')
      .where('group_id', '=', groupId)
      .where('topic', '=', topic)
      .where('partition', '=', PARTITION)
      .executeTakeFirst();
    if (row) return Number(row.next_offset);
    if (fromBeginning) return 0;
    return this.#db.transaction().execute((trx) => this.#loadNextOffset(trx, topic));
  }

  async #startConsumer(
    options: ConsumerOptions,
    process: (batch: RecordBatch, signal: AbortSignal) => Promise<void>,
    /** Called before the consumer waits for appends, and with `true` when it stops. */
    onIdle: (stopping: boolean) => Promise<void> = async () => {},
  ): Promise<ConsumerHandle> {
    this.#assertOpen();
    for (const topic of options.topics) {
      if (this.#compacted.has(topic))
        throw new Error(`topic ${topic} is compacted: read it with readCompacted`);
    }
    const maxBatch = options.maxBatchSize ?? 500;
    const positions = new Map<string, number>();
    for (const topic of options.topics) {
      positions.set(
        topic,
        await this.#committedPosition(options.groupId, topic, options.fromBeginning ?? true),
      );
    }
    const abort = new AbortController();
    const loop = (async () => {
      while (!abort.signal.aborted) {
        // The database answers in microtasks: without this, one record would travel the whole
        // pipeline before the next socket is read, and every batch would hold a single record.
        if (options.lingerMs)
          await sleep(options.lingerMs, undefined, { signal: abort.signal }).catch(() => {});
        else await yieldToIo();
        const seen = options.topics.map((t) => this.#version.get(t) ?? 0);
        let delivered = false;
        for (const topic of options.topics) {
          if (abort.signal.aborted) break;
          try {
            const records = await this.#fetch(topic, positions.get(topic)!, maxBatch);
            if (records.length === 0) continue;
            delivered = true;
            await process({ topic, partition: PARTITION, records }, abort.signal);
            positions.set(topic, records[records.length - 1]!.offset + 1);
          } catch (e) {
            // The batch is delivered again from the last good position; back off so a failing
            // handler does not spin.
            this.#onError(e, `consumer ${options.groupId} on ${topic}`);
            await this.#idle(options.topics, seen, abort.signal, Math.min(this.#idlePollMs, 200));
          }
        }
        if (!delivered && !abort.signal.aborted) {
          await onIdle(false).catch((e: unknown) => this.#onError(e, `consumer ${options.groupId} commit`));
          await this.#idle(options.topics, seen, abort.signal, this.#idlePollMs);
        }
      }
      await onIdle(true).catch((e: unknown) => this.#onError(e, `consumer ${options.groupId} commit`));
    })();
    const handle: ConsumerHandle = {
      stop: async () => {
        abort.abort();
        await loop;
        this.#consumers.delete(handle);
      },
    };
    this.#consumers.add(handle);
    return handle;
  }

  async #fetch(topic: string, from: number, limit: number): Promise<LogRecord[]> {
    const held = this.#fromTail(topic, from, limit);
    if (held !== undefined) return held;
    const rows = await this.#db
      .selectFrom('eventlog_records')
      .selectAll()
      .where('topic', '=', topic)
      .where('partition', '=', PARTITION)
      .where('offset', '>=', from)
      .orderBy('offset')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      topic: r.topic,
      partition: r.partition,
      offset: Number(r.offset),
      key: r.key,
      value: r.value,
      headers: r.headers,
      timestamp: typeof r.timestamp === 'string' ? r.timestamp : r.timestamp.toISOString(),
    }));
  }

  /** Wait until one of the topics gets an append after `seen`, the signal aborts, or the timeout passes. */
  #idle(
    topics: readonly string[],
    seen: readonly number[],
    signal: AbortSignal,
    timeoutMs: number,
  ): Promise<void> {
    if (topics.some((t, i) => (this.#version.get(t) ?? 0) !== seen[i])) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#appended.off('append', onAppend);
        this.#appended.off('close', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const onAppend = (topic: string) => {
        if (topics.includes(topic)) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#appended.on('append', onAppend);
      this.#appended.on('close', done);
      signal.addEventListener('abort', done);
    });
  }
}
