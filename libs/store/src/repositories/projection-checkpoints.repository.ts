import { sql, type Selectable } from 'kysely';
import type { ProjectionCheckpointsTable } from '../schema/database';
import { toJsonText, type JsonInput } from '../schema/json';
import type { Executor } from './executor';

export type ProjectionCheckpoint = Selectable<ProjectionCheckpointsTable>;

export async function getProjectionCheckpoint(
  db: Executor,
  projection: string,
): Promise<ProjectionCheckpoint | undefined> {
  return db
    .selectFrom('projection_checkpoints')
    .selectAll()
    .where('projection', '=', projection)
    .executeTakeFirst();
}

/** Upsert a consumer's position; call it in the transaction that wrote the rows it covers. */
export async function saveProjectionCheckpoint(
  db: Executor,
  projection: string,
  position: JsonInput,
): Promise<void> {
  const text = toJsonText(position);
  await db
    .insertInto('projection_checkpoints')
    .values({ projection, position: text })
    .onConflict((oc) =>
      oc.column('projection').doUpdateSet({ position: text, updated_at: sql<string>`now()` }),
    )
    .execute();
}
