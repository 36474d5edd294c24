/**
 * Tracks records of one partition that are processed out of order (concurrent agent calls) and
 * says how far the group's position may be committed: up to the record before the oldest one still
 * in flight. Offsets must be begun in increasing order.
 */
export class OffsetTracker {
  readonly #inFlight = new Set<number>();
  readonly #order: number[] = [];
  #head = 0;
  #lastBegun = -1;
  #committable = -1;

  begin(offset: number): void {
    if (offset <= this.#lastBegun) throw new Error(`offset ${offset} begun after ${this.#lastBegun}`);
    this.#lastBegun = offset;
    this.#inFlight.add(offset);
    this.#order.push(offset);
  }

  /** Mark an offset done; returns the new committable offset when it moved, else undefined. */
  end(offset: number): number | undefined {
    if (!this.#inFlight.delete(offset)) return undefined;
    const before = this.#committable;
    while (this.#head < this.#order.length && !this.#inFlight.has(this.#order[this.#head]!)) {
      this.#committable = this.#order[this.#head]!;
      this.#head += 1;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#order.length) {
      this.#order.splice(0, this.#head);
      this.#head = 0;
    }
    return this.#committable !== before ? this.#committable : undefined;
  }

  /** The last offset begun (-1 before the first): a record at or before it is a redelivery. */
  get lastBegun(): number {
    return this.#lastBegun;
  }

  get size(): number {
    return this.#inFlight.size;
  }
}
