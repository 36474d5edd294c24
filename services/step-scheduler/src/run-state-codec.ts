import { z } from 'zod';
import type { RunState } from '@weft/reducer';
import { endedRunState, isTerminalRun } from '@weft/reducer';

/**
 * The run-state changelog (compacted topic): the scheduler's own record of each run's state, read
 * back on start. It is written only by the scheduler; reading it checks the fields the scheduler
 * relies on before trusting the rest.
 */
const SnapshotShape = z.looseObject({
  run_id: z.string(),
  workflow_id: z.string(),
  version: z.number(),
  status: z.enum(['PENDING', 'RUNNING', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT']),
  seq: z.number().int().min(1),
  steps: z.record(
    z.string(),
    z.looseObject({ step_id: z.string(), status: z.string(), attempt: z.number() }),
  ),
  outputs: z.record(z.string(), z.unknown()),
  definition: z.looseObject({}).nullable(),
});

export function encodeRunState(state: RunState): string {
  return JSON.stringify(isTerminalRun(state.status) ? endedRunState(state) : state);
}

export function decodeRunState(text: string): RunState | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  const checked = SnapshotShape.safeParse(raw);
  if (!checked.success) return undefined;
  // Snapshots written before iteration pruning have no iteration_members.
  return { iteration_members: {}, agents: {}, ...checked.data } as unknown as RunState; // shape checked above; written only by this service
}
