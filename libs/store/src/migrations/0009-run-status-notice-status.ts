import { sql, type Kysely } from 'kysely';

/**
 * The run's new status joins the notices of migration 0008: `<run_id> <last_seq> <status>`. A
 * listener waiting for runs to end (the API's long poll) can then tell an end from a start without
 * reading the run. Same triggers, same moments; only the function's payload changes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function weft_notify_run_status() returns trigger language plpgsql as $$
    begin
      perform pg_notify(
        'weft_run_status',
        new.run_id::text || ' ' || new.last_seq::text || ' ' || new.status
      );
      return null;
    end
    $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function weft_notify_run_status() returns trigger language plpgsql as $$
    begin
      perform pg_notify('weft_run_status', new.run_id::text || ' ' || new.last_seq::text);
      return null;
    end
    $$`.execute(db);
}
