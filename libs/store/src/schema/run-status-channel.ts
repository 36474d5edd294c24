/**
 * The Postgres notification channel on which every change of a run's status is announced (by the
 * triggers of migration 0008 on `workflow_runs`): a row inserted, or updated to another status.
 * The payload is `<run_id> <last_seq>`, sent when the writing transaction commits. Channels are
 * per database, not per schema: deployments sharing a database hear each other's runs.
 */
export const RUN_STATUS_CHANNEL = 'weft_run_status';

export interface RunStatusNotice {
  readonly runId: string;
  readonly lastSeq: number;
}

const PAYLOAD = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) (\d{1,10})$/;

/** The run and seq of a RUN_STATUS_CHANNEL payload; `undefined` for anything else. */
export function parseRunStatusPayload(payload: string | undefined): RunStatusNotice | undefined {
  const match = payload === undefined ? null : PAYLOAD.exec(payload);
  if (match === null) return undefined;
  return { runId: match[1] ?? '', lastSeq: Number(match[2]) };
}
