/**
 * The Postgres notification channel on which every change of a run's status is announced (by the
 * triggers of migration 0008 on `workflow_runs`): a row inserted, or updated to another status.
 * The payload is `<run_id> <last_seq> <status>` (migration 0009; before it, `<run_id> <last_seq>`),
 * sent when the writing transaction commits. Channels are per database, not per schema:
 * deployments sharing a database hear each other's runs.
 */
export const RUN_STATUS_CHANNEL = 'weft_run_status';

/** The statuses a run ends in: once in one, it never changes again. */
export const ENDED_RUN_STATUSES: ReadonlySet<string> = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMED_OUT',
]);

export interface RunStatusNotice {
  readonly runId: string;
  readonly lastSeq: number;
  /** The run's status after the change; absent in the payloads of migration 0008's function. */
  readonly status?: string;
}

const PAYLOAD =
  /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) (\d{1,10})(?: ([A-Z_]{1,32}))?$/;

/** The run, seq and status of a RUN_STATUS_CHANNEL payload; `undefined` for anything else. */
export function parseRunStatusPayload(payload: string | undefined): RunStatusNotice | undefined {
  const match = payload === undefined ? null : PAYLOAD.exec(payload);
  if (match === null) return undefined;
  const notice = { runId: match[1] ?? '', lastSeq: Number(match[2]) };
  return match[3] === undefined ? notice : { ...notice, status: match[3] };
}
