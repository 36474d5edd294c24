import type { Insertable, Selectable } from 'kysely';
import type { DlqEntriesTable, DlqEntryStatus, DlqReplayMode } from '../schema/database';
import type { Executor } from './executor';
import { checkLimit, cursorKey, toPage, type Page, type PageRequest } from './page';

export type DlqEntry = Selectable<DlqEntriesTable>;
export type NewDlqEntry = Omit<
  Insertable<DlqEntriesTable>,
  'status' | 'replay_mode' | 'replay_run_id' | 'replayed_at' | 'updated_at'
>;

export interface DlqFilter {
  readonly status?: DlqEntryStatus;
  readonly agent_name?: string;
  readonly workflow_id?: string;
}

/** Record an entry; an entry already there (a re-applied event) is left as it is. */
export async function insertDlqEntry(db: Executor, entry: NewDlqEntry): Promise<void> {
  await db
    .insertInto('dlq_entries')
    .values({ ...entry, updated_at: entry.created_at })
    .onConflict((oc) => oc.column('entry_id').doNothing())
    .execute();
}

export async function getDlqEntry(db: Executor, entryId: string): Promise<DlqEntry | undefined> {
  return db.selectFrom('dlq_entries').selectAll().where('entry_id', '=', entryId).executeTakeFirst();
}

/** Entries newest first (`created_at desc, entry_id desc`). */
export async function listDlqEntries(db: Executor, filter: DlqFilter & PageRequest): Promise<Page<DlqEntry>> {
  const limit = checkLimit(filter.limit);
  const after = cursorKey(filter.cursor, ['timestamp', 'string']);
  let query = db.selectFrom('dlq_entries').selectAll();
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.agent_name !== undefined) query = query.where('agent_name', '=', filter.agent_name);
  if (filter.workflow_id !== undefined) query = query.where('workflow_id', '=', filter.workflow_id);
  if (after !== undefined) {
    query = query.where((eb) => eb(eb.refTuple('created_at', 'entry_id'), '<', eb.tuple(after[0], after[1])));
  }
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('entry_id', 'desc')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (r) => [r.created_at, r.entry_id]);
}

/**
 * Mark a pending entry replayed. Returns the updated entry, or `undefined` when it is gone or was
 * replayed already (the caller re-reads it: the first replay wins).
 */
export async function markDlqEntryReplayed(
  db: Executor,
  entryId: string,
  replay: { readonly mode: DlqReplayMode; readonly run_id: string; readonly at: string },
): Promise<DlqEntry | undefined> {
  return db
    .updateTable('dlq_entries')
    .set({
      status: 'replayed',
      replay_mode: replay.mode,
      replay_run_id: replay.run_id,
      replayed_at: replay.at,
      updated_at: replay.at,
    })
    .where('entry_id', '=', entryId)
    .where('status', '=', 'pending')
    .returningAll()
    .executeTakeFirst();
}

/** Whether the entry was there. */
export async function deleteDlqEntry(db: Executor, entryId: string): Promise<boolean> {
  const deleted = await db
    .deleteFrom('dlq_entries')
    .where('entry_id', '=', entryId)
    .returning('entry_id')
    .executeTakeFirst();
  return deleted !== undefined;
}

/**
 * Retention: delete entries created before `cutoff` (ISO timestamp), at most `batchSize` at a time
 * so a large backlog never holds one long transaction. Returns how many were deleted.
 */
export async function deleteDlqEntriesBefore(
  db: Executor,
  cutoff: string,
  batchSize = 1000,
): Promise<number> {
  const deleted = await db
    .deleteFrom('dlq_entries')
    .where(
      'entry_id',
      'in',
      db
        .selectFrom('dlq_entries')
        .select('entry_id')
        .where('created_at', '<', cutoff)
        .orderBy('created_at')
        .limit(batchSize),
    )
    .returning('entry_id')
    .execute();
  return deleted.length;
}
