import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgliteStore, type Store } from '@weft/store';
import { eventLogContract } from '../event-log.contract';
import type { EventLog } from '../event-log.port';
import { openEmbeddedEventLog } from './embedded-event-log';

let counter = 0;

eventLogContract('embedded (PGlite on disk)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-log-'));
  const id = ++counter;
  const topic = (name: string) => `t${id}.${name}`;
  const compacted = [topic('state')];
  let store: Store = await openPgliteStore({ dataDir: dir });
  let log: EventLog = await openEmbeddedEventLog({
    db: store.db,
    compactedTopics: compacted,
    idlePollMs: 200,
  });
  const harness = {
    get log() {
      return log;
    },
    topic,
    async reopen() {
      await log.close();
      await store.close();
      store = await openPgliteStore({ dataDir: dir });
      log = await openEmbeddedEventLog({ db: store.db, compactedTopics: compacted, idlePollMs: 200 });
      return log;
    },
    async close() {
      await log.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
});
