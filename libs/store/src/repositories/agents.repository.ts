import { sql, type Selectable } from 'kysely';
import { err, ok, WeftError, type Result } from '@weft/contracts';
import type { AgentsTable } from '../schema/database';
import type { JsonInsertable, JsonUpdateable } from '../schema/json-insertable';
import { toNullableJsonText, toOptionalJsonText } from '../schema/json';
import type { Executor } from './executor';
import { checkLimit, cursorKey, toPage, type Page, type PageRequest } from './page';

export type Agent = Selectable<AgentsTable>;
export type NewAgent = JsonInsertable<AgentsTable>;
/** Fields to change; `updated_at` defaults to the database's `now()`. */
export type AgentPatch = Omit<JsonUpdateable<AgentsTable>, 'name' | 'created_at'>;

/** Insert an agent; a taken name is a CONFLICT (returned, and the caller's transaction stays usable). */
export async function insertAgent(db: Executor, agent: NewAgent): Promise<Result<Agent, WeftError>> {
  const row = await db
    .insertInto('agents')
    .values({
      ...agent,
      retry_config: toNullableJsonText(agent.retry_config),
      circuit_breaker_config: toNullableJsonText(agent.circuit_breaker_config),
      headers: toOptionalJsonText(agent.headers),
    })
    .onConflict((oc) => oc.doNothing())
    .returningAll()
    .executeTakeFirst();
  return row === undefined
    ? err(new WeftError('CONFLICT', `agent ${JSON.stringify(agent.name)} already exists`))
    : ok(row);
}

export async function getAgent(db: Executor, name: string): Promise<Agent | undefined> {
  return db.selectFrom('agents').selectAll().where('name', '=', name).executeTakeFirst();
}

/** Agents by name, in name order; unknown names are simply absent. */
export async function getAgentsByNames(db: Executor, names: readonly string[]): Promise<Agent[]> {
  if (names.length === 0) return [];
  return db
    .selectFrom('agents')
    .selectAll()
    .where('name', 'in', [...new Set(names)])
    .orderBy('name')
    .execute();
}

/** Agents in name order. */
export async function listAgents(db: Executor, page: PageRequest): Promise<Page<Agent>> {
  const limit = checkLimit(page.limit);
  const after = cursorKey(page.cursor, ['string']);
  let query = db.selectFrom('agents').selectAll();
  if (after !== undefined) query = query.where('name', '>', after[0]);
  const rows = await query
    .orderBy('name')
    .limit(limit + 1)
    .execute();
  return toPage(rows, limit, (a) => [a.name]);
}

/** Change an agent; `undefined` when there is no such agent. */
export async function updateAgent(db: Executor, name: string, patch: AgentPatch): Promise<Agent | undefined> {
  return db
    .updateTable('agents')
    .set({
      ...patch,
      retry_config: toNullableJsonText(patch.retry_config),
      circuit_breaker_config: toNullableJsonText(patch.circuit_breaker_config),
      headers: toOptionalJsonText(patch.headers),
      updated_at: patch.updated_at ?? sql<string>`now()`,
    })
    .where('name', '=', name)
    .returningAll()
    .executeTakeFirst();
}

/** `true` when an agent was deleted. */
export async function deleteAgent(db: Executor, name: string): Promise<boolean> {
  const result = await db.deleteFrom('agents').where('name', '=', name).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
