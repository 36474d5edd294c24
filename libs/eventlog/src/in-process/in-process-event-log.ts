import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
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
import { RecordTail } from './record-tail';

/** How many records a lingering consumer looks at, at most, each time more arrive. */
const LINGER_SCAN = 1_000;

/** What one durable append added to the streams: each topic's next offset and the records. */
export interface Appended {
  readonly advanced: ReadonlyMap<string, number>;
  readonly records: readonly LogRecord[];
}

/** A consumer's position to commit with an append: `offset` is the last record handled. */
export interface Position {
  readonly groupId: string;
  readonly topic: string;
  readonly offset: number;
}

export interface InProcessLogOptions {
  /** Topics kept as latest-value-per-key maps (Kafka: cleanup.policy=compact). */
  readonly compactedTopics?: readonly string[];
  /** How long an idle consumer waits before looking again, should a wake-up be missed. */
  readonly idlePollMs?: number;
  /**
   * Records of each topic kept in memory after their append is durable, so consumers in this
   * process read what was just appended without reading storage. Older records are read from it.
   */
  readonly tailSize?: number;
  /**
   * At most this many characters of keys and values in each topic's tail (default 32 Mi, so large
   * records do not make the tail large): the oldest records leave it first.
   */
  readonly tailChars?: number;
  /**
   * At-least-once consumers (`consume` with autoCommit) write their position at most this often
   * while busy, and at once when idle or stopping; a crash redelivers what was not yet written.
   */
  readonly commitIntervalMs?: number;
  readonly onError?: (error: unknown, where: string) => void;
}

export const PARTITION = 0;

interface DurableWaiter {
  readonly topic: string;
  readonly offset: number;
  readonly resolve: () => void;
  readonly reject: (reason: Error) => void;
}

/** Resolve after the I/O callbacks that are ready have run (a macrotask, not a microtask). */
export const yieldToIo = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A log whose consumers all run in this process: one partition per topic, one member per group,
 * consumers woken in-process on every append and served from an in-memory tail. Where the records
 * are kept (and how an append is made durable) is the subclass's: the embedded database, or an
 * append-only file.
 */
export abstract class InProcessEventLog implements EventLog {
  protected readonly compacted: ReadonlySet<string>;
  protected readonly onError: (error: unknown, where: string) => void;
  readonly #idlePollMs: number;
  readonly #tailSize: number;
  readonly #tailChars: number;
  readonly #commitIntervalMs: number;
  readonly #nextOffset = new Map<string, number>();
  /** Each topic's next offset as far as records are durable (only topics appended to since start). */
  readonly #durableNext = new Map<string, number>();
  readonly #appended = new EventEmitter();
  readonly #version = new Map<string, number>();
  readonly #consumers = new Set<ConsumerHandle>();
  readonly #tails = new Map<string, RecordTail>();
  /** Callers of a batch's `durable()` whose records are not yet durable. */
  #durableWaiters: DurableWaiter[] = [];
  /** Why nothing more will become durable (the log failed or closed); set once. */
  #notDurable: Error | undefined;
  #closed = false;

  constructor(options: InProcessLogOptions) {
    this.compacted = new Set(options.compactedTopics ?? []);
    this.#idlePollMs = options.idlePollMs ?? 1000;
    this.#tailSize = options.tailSize ?? 20_000;
    this.#tailChars = options.tailChars ?? 32 * 1024 * 1024;
    this.#commitIntervalMs = options.commitIntervalMs ?? 100;
    this.onError = options.onError ?? (() => {});
    this.#appended.setMaxListeners(0);
  }

  abstract produce(records: readonly OutgoingRecord[]): Promise<void>;
  abstract readCompacted(topic: string): Promise<Map<string, string>>;
  /**
   * Append `records` and move `position` atomically; resolves once published and durable, or with
   * `durable` false once published (written, its durability pending: a failed fsync stops the log).
   */
  protected abstract appendWithPosition(
    records: readonly OutgoingRecord[],
    position: Position,
    durable: boolean,
  ): Promise<void>;
  /** Write a group's positions (the next offset to read is each value + 1). */
  protected abstract writePositions(groupId: string, handled: ReadonlyMap<string, number>): Promise<void>;
  /** The next offset a group reads from `topic`, if it has committed one. */
  protected abstract storedPosition(groupId: string, topic: string): Promise<number | undefined>;
  /** The offset the next record appended to `topic` gets. */
  protected abstract headOffset(topic: string): Promise<number>;
  /** Up to `limit` records of `topic` from `from`, read from storage. */
  protected abstract readStored(topic: string, from: number, limit: number): Promise<LogRecord[]>;
  /** Release storage once every consumer has stopped. */
  protected async closeStorage(): Promise<void> {}

  consume(
    options: ConsumerOptions & { readonly autoCommit?: boolean },
    handler: BatchHandler,
  ): Promise<ConsumerHandle> {
    // Handled positions not yet written, per topic: written together when the consumer is idle,
    // stops, or `commitIntervalMs` has passed (one write for many batches under load).
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
        if (pending.size > 0) {
          const handled = new Map(pending);
          pending.clear();
          await this.writePositions(options.groupId, handled);
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
        flush().catch((e: unknown) => this.onError(e, `consumer ${options.groupId} commit`));
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
          durable: () => this.#untilDurable(batch.topic, last.offset),
          // Written with the next flush (one write for many calls); resolves once written.
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
      await this.appendWithPosition(
        out,
        { groupId: options.groupId, topic: batch.topic, offset: last.offset },
        !options.beforeDurable,
      );
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#consumers].map((c) => c.stop()));
    this.#appended.emit('close');
    await this.closeStorage();
    this.durabilityLost(new Error('event log closed before the records were durable'));
  }

  protected assertOpen(): void {
    if (this.#closed) throw new Error('event log is closed');
  }

  /** The next offset of `topic` as of the last publish, if anything was published or loaded. */
  protected knownNextOffset(topic: string): number | undefined {
    return this.#nextOffset.get(topic);
  }

  /**
   * Make an append visible to this process's consumers, in offset order: to every consumer if it
   * is durable, else only to those reading `beforeDurable` until `published` says it is.
   */
  protected publish({ advanced, records }: Appended, durable = true): void {
    for (const record of records) {
      // Records before the first one appended since start were read from storage: durable.
      if (!this.#durableNext.has(record.topic)) this.#durableNext.set(record.topic, record.offset);
      this.#remember(record);
    }
    for (const [topic, next] of advanced) this.#nextOffset.set(topic, next);
    if (durable) this.published(advanced);
    else this.#wake(advanced.keys());
  }

  /** Records up to these next offsets are durable now. */
  protected published(durableNext: ReadonlyMap<string, number>): void {
    for (const [topic, next] of durableNext)
      this.#durableNext.set(topic, Math.max(next, this.#durableNext.get(topic) ?? 0));
    if (this.#durableWaiters.length > 0) {
      const waiting = this.#durableWaiters;
      this.#durableWaiters = [];
      for (const w of waiting) {
        if (this.#isDurable(w.topic, w.offset)) w.resolve();
        else this.#durableWaiters.push(w);
      }
    }
    this.#wake(durableNext.keys());
  }

  /**
   * Records written but not yet durable never will be (a failed fsync stops the log, or it
   * closed): whoever waits for them is told why, and so is whoever asks from now on.
   */
  protected durabilityLost(reason: Error): void {
    this.#notDurable ??= reason;
    const waiting = this.#durableWaiters;
    this.#durableWaiters = [];
    for (const w of waiting) w.reject(this.#notDurable);
  }

  #isDurable(topic: string, offset: number): boolean {
    // No entry: nothing was appended to the topic since start, so what was read came from storage.
    const next = this.#durableNext.get(topic);
    return next === undefined || offset < next;
  }

  /** Resolves once the record at `offset` of `topic` (and so every one before it) is durable. */
  #untilDurable(topic: string, offset: number): Promise<void> {
    if (this.#isDurable(topic, offset)) return Promise.resolve();
    if (this.#notDurable) return Promise.reject(this.#notDurable);
    return new Promise((resolve, reject) => this.#durableWaiters.push({ topic, offset, resolve, reject }));
  }

  #wake(topics: Iterable<string>): void {
    for (const topic of topics) {
      this.#version.set(topic, (this.#version.get(topic) ?? 0) + 1);
      this.#appended.emit('append', topic);
    }
  }

  #remember(record: LogRecord): void {
    let tail = this.#tails.get(record.topic);
    if (!tail) this.#tails.set(record.topic, (tail = new RecordTail(this.#tailSize, this.#tailChars)));
    tail.push(record);
  }

  /** Records from `from` held in memory, or undefined when storage must be read. */
  #fromTail(topic: string, from: number, limit: number): LogRecord[] | undefined {
    const held = this.#tails.get(topic)?.read(from, limit);
    if (held !== undefined) return held;
    // Nothing newer than `from` was appended since it was last read: nothing to fetch.
    const next = this.#nextOffset.get(topic);
    return next !== undefined && from >= next ? [] : undefined;
  }

  /** How many records from `from` a consumer may be handed (undefined: no limit known here). */
  #visible(topic: string, from: number, beforeDurable: boolean): number | undefined {
    const head = beforeDurable ? undefined : this.#durableNext.get(topic);
    return head === undefined ? undefined : Math.max(0, head - from);
  }

  async #committedPosition(groupId: string, topic: string, fromBeginning: boolean): Promise<number> {
    const stored = await this.storedPosition(groupId, topic);
    if (stored !== undefined) return stored;
    return fromBeginning ? 0 : this.headOffset(topic);
  }

  async #startConsumer(
    options: ConsumerOptions,
    process: (batch: RecordBatch, signal: AbortSignal) => Promise<void>,
    /** Called before the consumer waits for appends, and with `true` when it stops. */
    onIdle: (stopping: boolean) => Promise<void> = async () => {},
  ): Promise<ConsumerHandle> {
    this.assertOpen();
    for (const topic of options.topics) {
      if (this.compacted.has(topic))
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
        // Storage may answer in microtasks: without this, one record would travel the whole
        // pipeline before the next socket is read, and every batch would hold a single record.
        if (options.lingerMs) await this.#linger(options, positions, abort.signal);
        else await yieldToIo();
        const seen = options.topics.map((t) => this.#version.get(t) ?? 0);
        let delivered = false;
        for (const topic of options.topics) {
          if (abort.signal.aborted) break;
          try {
            const from = positions.get(topic)!;
            const visible = this.#visible(topic, from, options.beforeDurable ?? false);
            const records = await this.#fetch(topic, from, Math.min(maxBatch, visible ?? maxBatch));
            if (records.length === 0) continue;
            delivered = true;
            await process({ topic, partition: PARTITION, records }, abort.signal);
            positions.set(topic, records[records.length - 1]!.offset + 1);
          } catch (e) {
            // The batch is delivered again from the last good position; back off so a failing
            // handler does not spin.
            this.onError(e, `consumer ${options.groupId} on ${topic}`);
            await this.#idle(options.topics, seen, abort.signal, Math.min(this.#idlePollMs, 200));
          }
        }
        if (!delivered && !abort.signal.aborted) {
          await onIdle(false).catch((e: unknown) => this.onError(e, `consumer ${options.groupId} commit`));
          await this.#idle(options.topics, seen, abort.signal, this.#idlePollMs);
        }
      }
      await onIdle(true).catch((e: unknown) => this.onError(e, `consumer ${options.groupId} commit`));
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

  /**
   * Wait `lingerMs` before a fetch, or less: once a record `lingerUnless` says yes to is visible
   * (each record is looked at once), once `lingerMinRecords` records are there to read, or when
   * the consumer is so far behind that it reads storage (its next batch is full anyway).
   */
  async #linger(
    options: ConsumerOptions,
    positions: ReadonlyMap<string, number>,
    signal: AbortSignal,
  ): Promise<void> {
    const urgent = options.lingerUnless;
    const enough = options.lingerMinRecords;
    if (!urgent && enough === undefined) {
      await sleep(options.lingerMs, undefined, { signal }).catch(() => {});
      return;
    }
    const deadline = performance.now() + options.lingerMs!;
    const scanned = new Map(positions);
    for (;;) {
      const seen = options.topics.map((t) => this.#version.get(t) ?? 0);
      if (enough !== undefined && this.#readable(options, positions) >= enough) return;
      if (urgent && this.#sawUrgent(options, scanned, urgent)) return;
      const left = deadline - performance.now();
      if (left <= 0 || signal.aborted) return;
      await this.#idle(options.topics, seen, signal, left);
    }
  }

  /**
   * Look at the records visible past `scanned` (each once: `scanned` moves past them) for one
   * `urgent` says yes to; true also when the consumer is so far behind that it reads storage.
   */
  #sawUrgent(
    options: ConsumerOptions,
    scanned: Map<string, number>,
    urgent: (record: LogRecord) => boolean,
  ): boolean {
    for (const topic of options.topics) {
      for (;;) {
        const from = scanned.get(topic)!;
        const visible = this.#visible(topic, from, options.beforeDurable ?? false);
        if (visible === 0) break;
        const records = this.#fromTail(topic, from, Math.min(visible ?? LINGER_SCAN, LINGER_SCAN));
        if (records === undefined || records.some(urgent)) return true;
        if (records.length === 0) break;
        scanned.set(topic, records[records.length - 1]!.offset + 1);
        if (records.length < LINGER_SCAN) break;
      }
    }
    return false;
  }

  /** How many records the consumer could be handed now, over all its topics. */
  #readable(options: ConsumerOptions, positions: ReadonlyMap<string, number>): number {
    let readable = 0;
    for (const topic of options.topics) {
      const next = this.#nextOffset.get(topic);
      const head = options.beforeDurable ? next : (this.#durableNext.get(topic) ?? next);
      if (head !== undefined) readable += Math.max(0, head - positions.get(topic)!);
    }
    return readable;
  }

  async #fetch(topic: string, from: number, limit: number): Promise<LogRecord[]> {
    if (limit === 0) return [];
    return this.#fromTail(topic, from, limit) ?? this.readStored(topic, from, limit);
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
