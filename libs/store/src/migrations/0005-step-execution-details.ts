import type { Kysely } from 'kysely';

/** Control-flow columns of step executions (F1–F4): where an execution sits and what it decided. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('step_executions')
    .addColumn('parent_path', 'text')
    .addColumn('condition_expression', 'text')
    .addColumn('condition_result', 'boolean')
    .addColumn('branch_taken', 'text')
    .addColumn('loop_collection_size', 'integer')
    .addColumn('loop_iteration_index', 'integer')
    .addColumn('loop_execution_mode', 'text')
    .addColumn('branch_name', 'text')
    .addColumn('join_policy', 'text')
    .execute();
  await db.schema
    .createIndex('step_executions_parent_path_idx')
    .on('step_executions')
    .columns(['run_id', 'parent_path'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('step_executions_parent_path_idx').execute();
  await db.schema
    .alterTable('step_executions')
    .dropColumn('join_policy')
    .dropColumn('branch_name')
    .dropColumn('loop_execution_mode')
    .dropColumn('loop_iteration_index')
    .dropColumn('loop_collection_size')
    .dropColumn('branch_taken')
    .dropColumn('condition_result')
    .dropColumn('condition_expression')
    .dropColumn('parent_path')
    .execute();
}
