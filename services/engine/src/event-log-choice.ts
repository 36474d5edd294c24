import { access } from 'node:fs/promises';
import { join } from 'node:path';
import {
  openEmbeddedEventLog,
  openFileEventLog,
  type EventLog,
  type InProcessLogOptions,
} from '@weft/eventlog';
import type { Database } from '@weft/store';
import { sql, type Kysely } from 'kysely';
import type { EngineConfig } from './config';

/**
 * The event log `EVENT_LOG` names. A data directory whose log is still in the database (records
 * there, no log directory) is not opened with the file log: its runs would be lost.
 */
export async function openEventLog(
  config: Pick<EngineConfig, 'EVENT_LOG' | 'DATA_DIR'>,
  db: Kysely<Database>,
  options: InProcessLogOptions,
): Promise<EventLog> {
  if (config.EVENT_LOG === 'database') return openEmbeddedEventLog({ db, ...options });
  const dir = join(config.DATA_DIR, 'log');
  const fresh = await access(dir).then(
    () => false,
    () => true,
  );
  if (fresh && (await databaseLogHasRecords(db)))
    throw new Error(
      `${config.DATA_DIR} keeps its event log in the database: start it with EVENT_LOG=database`,
    );
  return openFileEventLog({ dir, ...options });
}

async function databaseLogHasRecords(db: Kysely<Database>): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    select to_regclass('eventlog_records') is not null as found`.execute(db);
  if (!rows[0]?.found) return false;
  const any = await sql`select 1 from eventlog_records limit 1`.execute(db);
  return any.rows.length > 0;
}
