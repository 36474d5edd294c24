import { getAgent, type Database } from '@weft/store';
import type { Kysely } from 'kysely';
import { cachedDirectory, type AgentDirectory, type AgentEndpoint } from './agent-directory';

/** The agent registry in the store (the `agents` table), remembered for `ttlMs` per name. */
export function storeAgentDirectory(db: Kysely<Database>, ttlMs = 1000): AgentDirectory {
  return cachedDirectory(async (name): Promise<AgentEndpoint | undefined> => {
    const row = await getAgent(db, name);
    return (
      row && {
        name: row.name,
        url: row.url,
        method: row.method,
        timeout_seconds: row.timeout_seconds,
        headers: row.headers as Record<string, string>,
      }
    );
  }, ttlMs);
}
