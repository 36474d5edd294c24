import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgliteStore, type Store } from '@weft/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEventLog } from './event-log-choice';

describe('the embedded engine picks its event log by EVENT_LOG', () => {
  let dataDir: string;
  let store: Store;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'weft-log-choice-'));
    store = await openPgliteStore({ dataDir: join(dataDir, 'pg') });
  });
  afterEach(async () => {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('file: an append-only log in <DATA_DIR>/log, nothing in the database', async () => {
    const log = await openEventLog({ EVENT_LOG: 'file', DATA_DIR: dataDir }, store.db, {});
    await log.produce([{ topic: 't', key: 'k', value: '1' }]);
    await log.close();
    expect((await readdir(join(dataDir, 'log'))).some((f) => f.endsWith('.log'))).toBe(true);
    const tables = await store.db.introspection.getTables();
    expect(tables.map((t) => t.name)).not.toContain('eventlog_records');
  });

  it('refuses the file log on a data directory whose log is in the database, and keeps it there', async () => {
    const database = await openEventLog({ EVENT_LOG: 'database', DATA_DIR: dataDir }, store.db, {});
    await database.produce([{ topic: 't', key: 'k', value: 'kept' }]);
    await database.close();
    await expect(openEventLog({ EVENT_LOG: 'file', DATA_DIR: dataDir }, store.db, {})).rejects.toThrow(
      /keeps its event log in the database: start it with EVENT_LOG=database/,
    );
    const again = await openEventLog({ EVENT_LOG: 'database', DATA_DIR: dataDir }, store.db, {});
    const seen: string[] = [];
    const handle = await again.consume({ groupId: 'g', topics: ['t'] }, async (batch) => {
      seen.push(...batch.records.map((r) => r.value));
    });
    await expect.poll(() => seen).toEqual(['kept']);
    await handle.stop();
    await again.close();
  });
});
