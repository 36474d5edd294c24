import { sql, type Selectable } from 'kysely';
import { err, ok, WeftError, type Result } from '@weft/contracts';
import type { WorkflowDefinitionsTable, WorkflowVersionStatus } from '../schema/database';
import type { JsonInsertable } from '../schema/json-insertable';
import { toJsonText } from '../schema/json';
import type { Executor } from './executor';
import { checkLimit, cursorKey, toPage, type Page, type PageRequest } from './page';
import { isUniqueViolation } from './unique-violation';

export type WorkflowVersion = Selectable<WorkflowDefinitionsTable>;
export type NewWorkflowVersion = JsonInsertable<WorkflowDefinitionsTable>;

function activeConflict(workflowId: string): WeftError {
  return new WeftError('CONFLICT', `workflow ${JSON.stringify(workflowId)} already has an active version`);
}

/**
 * Insert one version. CONFLICT (returned) when that version exists or when the row is `active`
 * and another version already is. Uses `on conflict do nothing`, so a conflict does not abort the
 * caller's transaction.
 */
export async function insertWorkflowVersion(
  db: Executor,
  row: NewWorkflowVersion,
): Promise<Result<WorkflowVersion, WeftError>> {
  const inserted = await db
    .insertInto('workflow_definitions')
    .values({ ...row, definition: toJsonText(row.definition) })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted !== undefined) return ok(inserted);
  const existing = await getWorkflowVersion(db, row.workflow_id, row.version);
  return err(
    existing === undefined
      ? activeConflict(row.workflow_id)
      : new WeftError(
          'CONFLICT',
          `version ${row.version} of workflow ${JSON.stringify(row.workflow_id)} already exists`,
        ),
  );
}

/**
 * Set a version's status. NOT_FOUND when there is no such version; CONFLICT when activating it
 * while another version is active (deprecate that one first, in the same transaction). The
 * conflict is detected by the unique index, so inside a transaction it aborts that transaction.
 */
export async function updateWorkflowVersionStatus(
  db: Executor,
  workflowId: string,
  version: number,
  status: WorkflowVersionStatus,
): Promise<Result<WorkflowVersion, WeftError>> {
  try {
    const row = await db
      .updateTable('workflow_definitions')
      .set({ status })
      .where('workflow_id', '=', workflowId)
      .where('version', '=', version)
      .returningAll()
      .executeTakeFirst();
    return row === undefined
      ? err(
          new WeftError(
            'NOT_FOUND',
            `version ${version} of workflow ${JSON.stringify(workflowId)} does not exist`,
          ),
        )
      : ok(row);
  } catch (error) {
    if (isUniqueViolation(error)) return err(activeConflict(workflowId));
    throw error;
  }
}

export async function getWorkflowVersion(
  db: Executor,
  workflowId: string,
  version: number,
): Promise<WorkflowVersion | undefined> {
  return db
    .selectFrom('workflow_definitions')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .where('version', '=', version)
    .executeTakeFirst();
}

export async function getActiveWorkflowVersion(
  db: Executor,
  workflowId: string,
): Promise<WorkflowVersion | undefined> {
  return db
    .selectFrom('workflow_definitions')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .where('status', '=', 'active')
    .executeTakeFirst();
}

/** The highest version, whatever its status. */
export async function getLatestWorkflowVersion(
  db: Executor,
  workflowId: string,
): Promise<WorkflowVersion | undefined> {
  return db
    .selectFrom('workflow_definitions')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Every version of a workflow, newest first (not paginated: versions are few). */
export async function listWorkflowVersions(db: Executor, workflowId: string): Promise<WorkflowVersion[]> {
  return db
    .selectFrom('workflow_definitions')
    .selectAll()
    .where('workflow_id', '=', workflowId)
    .orderBy('version', 'desc')
    .execute();
}

/** One row per workflow, in `workflow_id` order: its active version, else its latest. */
export async function listWorkflows(db: Executor, page: PageRequest): Promise<Page<WorkflowVersion>> {
  const limit = checkLimit(page.limit);
  const after = cursorKey(page.cursor, ['string']);
  let query = db.selectFrom('workflow_definitions').selectAll().distinctOn('workflow_id');
  if (after !== undefined) query = query.where('workflow_id', '>', after[0]);
  const rows = await query
    .orderBy('workflow_id')
    .orderBy(sql`status = 'active'`, 'desc')
    .orderBy('version', 'desc')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (w) => [w.workflow_id]);
}
