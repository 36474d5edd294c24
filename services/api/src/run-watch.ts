import type { Database } from '@weft/store';
import type { Kysely } from 'kysely';

/**
 * How `GET /runs/:id?wait_ms=…` learns that a run's projection moved on, so a client waiting for a
 * run to end is answered when it ends instead of polling. `changed` resolves once the run's
 * projected `last_seq` is above `seenSeq`, or when `timeoutMs` has passed (whichever is first).
 */
export interface RunWatch {
  changed(runId: string, seenSeq: number, timeoutMs: number): Promise<void>;
}

interface Waiter {
  readonly seenSeq: number;
  readonly wake: () => void;
}

class Waiters {
  readonly byRun = new Map<string, Set<Waiter>>();

  wait(runId: string, seenSeq: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const waiter: Waiter = {
        seenSeq,
        wake: () => {
          clearTimeout(timer);
          const set = this.byRun.get(runId);
          set?.delete(waiter);
          if (set?.size === 0) this.byRun.delete(runId);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, Math.max(0, timeoutMs));
      const set = this.byRun.get(runId) ?? new Set();
      set.add(waiter);
      this.byRun.set(runId, set);
    });
  }

  advanced(runId: string, seq: number): void {
    for (const waiter of [...(this.byRun.get(runId) ?? [])]) if (seq > waiter.seenSeq) waiter.wake();
  }
}

/**
 * Fed by the projection writer of the same process (embedded engine): `applied` is its `onApplied`
 * callback, called after each batch commits.
 */
export function pushedRunWatch(): RunWatch & {
  applied(events: readonly { run_id: string; seq: number }[]): void;
} {
  const waiters = new Waiters();
  return {
    changed: (runId, seenSeq, timeoutMs) => waiters.wait(runId, seenSeq, timeoutMs),
    applied(events) {
      if (waiters.byRun.size === 0) return;
      for (const event of events) waiters.advanced(event.run_id, event.seq);
    },
  };
}

/**
 * For an API process apart from the projection writer (distributed mode): while anyone waits,
 * one query every `intervalMs` reads the `last_seq` of every run waited on.
 */
export function pollingRunWatch(db: Kysely<Database>, intervalMs = 5): RunWatch & { close(): void } {
  const waiters = new Waiters();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const tick = async () => {
    timer = undefined;
    const runIds = [...waiters.byRun.keys()];
    if (runIds.length === 0 || closed) return;
    try {
      const rows = await db
        .selectFrom('workflow_runs')
        .select(['run_id', 'last_seq'])
        .where('run_id', 'in', runIds)
        .execute();
      for (const row of rows) waiters.advanced(row.run_id, Number(row.last_seq));
    } catch {
      // A failed read: the waiters time out or the next tick reads again.
    }
    schedule();
  };
  const schedule = () => {
    if (!closed && timer === undefined && waiters.byRun.size > 0) timer = setTimeout(tick, intervalMs);
  };
  return {
    changed(runId, seenSeq, timeoutMs) {
      const waiting = waiters.wait(runId, seenSeq, timeoutMs);
      schedule();
      return waiting;
    },
    close() {
      closed = true;
      clearTimeout(timer);
      for (const runId of [...waiters.byRun.keys()]) waiters.advanced(runId, Number.MAX_SAFE_INTEGER);
    },
  };
}
