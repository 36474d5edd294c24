import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventLogContract } from '../event-log.contract';
import type { EventLog } from '../event-log.port';
import { openFileEventLog } from './file-event-log';

let counter = 0;

eventLogContract('embedded (append-only file)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'weft-file-log-'));
  const id = ++counter;
  const topic = (name: string) => `t${id}.${name}`;
  const options = { dir, compactedTopics: [topic('state')], idlePollMs: 200 };
  let log: EventLog = await openFileEventLog(options);
  return {
    get log() {
      return log;
    },
    topic,
    async reopen() {
      await log.close();
      log = await openFileEventLog(options);
      return log;
    },
    async close() {
      await log.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
