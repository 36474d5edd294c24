import type { LogRecord } from '../event-log.port';

const charsOf = (r: LogRecord) => r.key.length + r.value.length;

/**
 * The newest records of one topic, in offset order without gaps, held in memory so consumers read
 * what was just appended without reading storage. At most `maxRecords` records and `maxChars`
 * characters of keys and values (large records must not make it large); the oldest leave first,
 * the newest always stays.
 */
export class RecordTail {
  /** Entries before `#start` have left (cleared, so they can be collected). */
  #records: (LogRecord | undefined)[] = [];
  #start = 0;
  #chars = 0;

  constructor(
    private readonly maxRecords: number,
    private readonly maxChars: number,
  ) {}

  /** Keep `record`; one that does not follow the newest (never expected) starts the tail afresh. */
  push(record: LogRecord): void {
    const newest = this.#records[this.#records.length - 1];
    if (newest !== undefined && newest.offset + 1 !== record.offset) {
      this.#records = [];
      this.#start = 0;
      this.#chars = 0;
    }
    this.#records.push(record);
    this.#chars += charsOf(record);
    while (this.size > 1 && (this.size > this.maxRecords || this.#chars > this.maxChars)) {
      this.#chars -= charsOf(this.#records[this.#start]!);
      this.#records[this.#start++] = undefined;
    }
    // Compact now and then, so letting the oldest go stays O(1) on average.
    if (this.#start >= 1024 && this.#start >= this.size) {
      this.#records = this.#records.slice(this.#start);
      this.#start = 0;
    }
  }

  get size(): number {
    return this.#records.length - this.#start;
  }

  /** Up to `limit` records from offset `from`, or undefined when `from` is older than the tail. */
  read(from: number, limit: number): LogRecord[] | undefined {
    const first = this.#records[this.#start];
    if (first === undefined || from < first.offset) return undefined;
    const index = this.#start + (from - first.offset);
    // Entries from `#start` on are never cleared.
    return this.#records.slice(index, index + limit) as LogRecord[];
  }
}
