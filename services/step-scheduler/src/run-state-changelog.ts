import type { RunEvent } from '@weft/contracts';
import type { OutgoingRecord } from '@weft/eventlog';
import { jsonHeaders } from '@weft/eventlog';
import { evolve, isTerminalRun, type RunState } from '@weft/reducer';
import { decodeRunState, encodeRunState } from './run-state-codec';

/**
 * The run-state changelog (a compacted topic) holds, per run, a snapshot of its state under the
 * key `<run_id>` and the events decided since, one record per batch, under `<run_id>/<slot>`
 * (slots 0, 1, … counted from the snapshot; all in the run's partition). Writing the whole state
 * after every batch would cost O(state) per batch — O(n²) for an n-item loop, whose state holds
 * its items and results — so a batch appends its events, and a new snapshot is written once the
 * events since the last one outweigh it: the bytes written stay proportional to the events.
 *
 * A snapshot starts the slots again; older slot records stay until overwritten, and reading
 * ignores their events (at or below the snapshot's seq). When a run ends its ended snapshot is
 * written and every slot it used is deleted (tombstones) in the same transaction.
 */

/** Deltas never trigger a snapshot before this many bytes, however small the state. */
export const MIN_DELTA_BYTES = 16 * 1024;

interface Cursor {
  /** Size of the last snapshot written. */
  snapshotBytes: number;
  /** Bytes of the delta records written since. */
  deltaBytes: number;
  /** Slot of the next delta record. */
  nextSlot: number;
  /** Slots in use: 0 … usedSlots − 1 hold records (possibly stale); deleted when the run ends. */
  usedSlots: number;
}

export interface RestoredRun {
  readonly state: RunState;
}

export interface UnreadableRun {
  readonly runId: string;
  readonly reason: string;
}

const slotKey = (runId: string, slot: number) => `${runId}/${slot}`;

export class RunStateChangelog {
  readonly #topic: string;
  readonly #minDeltaBytes: number;
  readonly #cursors = new Map<string, Cursor>();

  constructor(topic: string, options: { minDeltaBytes?: number } = {}) {
    this.#topic = topic;
    this.#minDeltaBytes = options.minDeltaBytes ?? MIN_DELTA_BYTES;
  }

  /**
   * The records that bring `runId`'s changelog from its last written state to `state`, given the
   * events (and their JSON, as appended to the events topic) that got it there in this batch.
   */
  records(state: RunState, eventJson: readonly string[]): OutgoingRecord[] {
    const runId = state.run_id;
    const cursor = this.#cursors.get(runId);
    if (isTerminalRun(state.status)) {
      this.#cursors.delete(runId);
      const out = [this.#record(runId, runId, encodeRunState(state))];
      for (let slot = 0; slot < (cursor?.usedSlots ?? 0); slot++)
        out.push(this.#record(runId, slotKey(runId, slot), null));
      return out;
    }
    const delta = `[${eventJson.join(',')}]`;
    if (cursor && cursor.deltaBytes + delta.length <= Math.max(cursor.snapshotBytes, this.#minDeltaBytes)) {
      const key = slotKey(runId, cursor.nextSlot);
      cursor.nextSlot += 1;
      cursor.usedSlots = Math.max(cursor.usedSlots, cursor.nextSlot);
      cursor.deltaBytes += delta.length;
      return [this.#record(runId, key, delta)];
    }
    const snapshot = encodeRunState(state);
    this.#cursors.set(runId, {
      snapshotBytes: snapshot.length,
      deltaBytes: 0,
      nextSlot: 0,
      usedSlots: cursor?.usedSlots ?? 0,
    });
    return [this.#record(runId, runId, snapshot)];
  }

  /**
   * Rebuild runs from what the changelog holds (`readCompacted`): each run's snapshot with the
   * events of its delta records after it applied in seq order. `include(runId)` picks the runs to
   * rebuild; their cursors are replaced, so the next batch writes on from what was read.
   */
  restore(
    stored: ReadonlyMap<string, string>,
    include: (runId: string) => boolean,
  ): { runs: RunState[]; unreadable: UnreadableRun[] } {
    const snapshots = new Map<string, string>();
    const slots = new Map<string, Map<number, string>>();
    for (const [key, value] of stored) {
      const at = key.indexOf('/');
      const runId = at < 0 ? key : key.slice(0, at);
      if (!include(runId)) continue;
      if (at < 0) snapshots.set(runId, value);
      else {
        const slot = Number(key.slice(at + 1));
        if (!Number.isSafeInteger(slot) || slot < 0) continue;
        let bySlot = slots.get(runId);
        if (!bySlot) slots.set(runId, (bySlot = new Map()));
        bySlot.set(slot, value);
      }
    }
    const runs: RunState[] = [];
    const unreadable: UnreadableRun[] = [];
    for (const runId of new Set([...snapshots.keys(), ...slots.keys()])) {
      this.#cursors.delete(runId);
      const rebuilt = this.#rebuild(runId, snapshots.get(runId), slots.get(runId) ?? new Map());
      if ('reason' in rebuilt) unreadable.push({ runId, reason: rebuilt.reason });
      else runs.push(rebuilt.state);
    }
    return { runs, unreadable };
  }

  /** Forget a run's cursor (its state is dropped from memory). */
  forget(runId: string): void {
    this.#cursors.delete(runId);
  }

  #rebuild(
    runId: string,
    snapshot: string | undefined,
    slots: ReadonlyMap<number, string>,
  ): { state: RunState } | { reason: string } {
    if (snapshot === undefined) return { reason: 'delta records without a snapshot' };
    let state = decodeRunState(snapshot);
    if (!state || state.run_id !== runId) return { reason: 'unreadable snapshot' };
    const usedSlots = slots.size === 0 ? 0 : Math.max(...slots.keys()) + 1;
    if (isTerminalRun(state.status)) return { state };
    // The delta records after the snapshot are slots 0 … k−1 whose events continue its seq.
    let deltaBytes = 0;
    let nextSlot = 0;
    for (let slot = 0; slot < usedSlots; slot++) {
      const text = slots.get(slot);
      if (text === undefined) break;
      const events = decodeDelta(text, runId);
      if (!events) return { reason: `unreadable delta record ${slot}` };
      if (events.length === 0 || events[0]!.seq <= state.seq) break; // stale: written before the snapshot
      if (events[0]!.seq !== state.seq + 1)
        return { reason: `delta record ${slot} starts at seq ${events[0]!.seq}, after ${state.seq}` };
      for (const event of events) {
        if (event.seq !== state.seq + 1)
          return { reason: `delta record ${slot} skips from seq ${state.seq} to ${event.seq}` };
        state = evolve(state, event);
      }
      deltaBytes += text.length;
      nextSlot = slot + 1;
    }
    this.#cursors.set(runId, { snapshotBytes: snapshot.length, deltaBytes, nextSlot, usedSlots });
    return { state };
  }

  #record(runId: string, key: string, value: string | null): OutgoingRecord {
    return { topic: this.#topic, key, value, partitionKey: runId, headers: jsonHeaders(runId) };
  }
}

/**
 * A delta record's events. Written only by the scheduler from events it decided, so the check is
 * of the fields replay relies on (the reducer treats events as facts).
 */
function decodeDelta(text: string, runId: string): RunEvent[] | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!Array.isArray(raw)) return undefined;
  for (const event of raw as unknown[]) {
    if (typeof event !== 'object' || event === null) return undefined;
    const e = event as Record<string, unknown>;
    if (e.run_id !== runId || typeof e.type !== 'string' || !Number.isSafeInteger(e.seq)) return undefined;
    if (typeof e.data !== 'object' || e.data === null) return undefined;
  }
  return raw as RunEvent[];
}
