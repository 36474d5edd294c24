import { topicNames } from '@weft/contracts';
import { openServiceEventLog, openServiceStore, runService, serviceGroupId } from '@weft/engine';
import { loadProjectionWriterConfig } from './config';
import { startDlqRetention } from './dlq-retention';
import { createProjectionWriter, PROJECTION_WRITER_GROUP } from './projection-writer';

/** `npm run start:projection-writer`: events → Postgres tables, as its own process. */
await runService({
  name: 'projection-writer',
  loadConfig: loadProjectionWriterConfig,
  async start({ config, logger, resources }) {
    const topics = topicNames(config.TOPIC_PREFIX);
    const store = await resources.open('store', () => openServiceStore(config, logger));
    const log = await resources.open('event-log', () =>
      openServiceEventLog(config, 'projection-writer', logger),
    );
    const groupId = serviceGroupId(config, PROJECTION_WRITER_GROUP);
    const writer = createProjectionWriter({ log, topics, db: store.db, logger, groupId });
    await writer.start();
    resources.push('projection-writer', () => writer.stop());
    const retention = startDlqRetention({
      db: store.db,
      retentionDays: config.DLQ_RETENTION_DAYS,
      intervalMs: config.DLQ_RETENTION_INTERVAL_MS,
      logger,
    });
    resources.push('dlq-retention', () => retention.stop());
    return { group_id: groupId };
  },
});
