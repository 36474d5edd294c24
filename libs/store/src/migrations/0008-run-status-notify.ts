import { sql, type Kysely } from 'kysely';

/**
 * Announce status changes of `workflow_runs` on the channel `weft_run_status` (RUN_STATUS_CHANNEL,
 * a literal here since a migration never changes), so an API process apart from the projection
 * writer can answer `GET /runs/{id}?wait_ms=…` when a run ends without polling. Row-level triggers, so multi-row statements (`insert … on conflict do update`, `update … from
 * (values …)`) announce every row they change: a row inserted (possibly already ended) and a row
 * updated to another status. An update that leaves the status as it was announces nothing. The
 * notification is sent when the transaction commits.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function weft_notify_run_status() returns trigger language plpgsql as $$
    begin
      perform pg_notify('weft_run_status', new.run_id::text || ' ' || new.last_seq::text);
      return null;
    end
    $$`.execute(db);
  await sql`
    create trigger workflow_runs_status_inserted after insert on workflow_runs
    for each row execute function weft_notify_run_status()`.execute(db);
  await sql`
    create trigger workflow_runs_status_updated after update of status on workflow_runs
    for each row when (old.status is distinct from new.status)
    execute function weft_notify_run_status()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop trigger workflow_runs_status_updated on workflow_runs`.execute(db);
  await sql`drop trigger workflow_runs_status_inserted on workflow_runs`.execute(db);
  await sql`drop function weft_notify_run_status()`.execute(db);
}
