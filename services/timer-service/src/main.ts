import { topicNames } from '@weft/contracts';
import { openServiceEventLog, openServiceStore, runService, serviceGroupId } from '@weft/engine';
import { loadTimerServiceConfig } from './config';
import { createTimerService, TIMER_SERVICE_GROUP } from './timer-service';

/** `npm run start:timer-service`: durable timers as their own process (several instances may run). */
await runService({
  name: 'timer-service',
  loadConfig: loadTimerServiceConfig,
  async start({ config, logger, resources }) {
    const topics = topicNames(config.TOPIC_PREFIX);
    const store = await resources.open('store', () => openServiceStore(config, logger));
    const log = await resources.open('event-log', () => openServiceEventLog(config, 'timer-service', logger));
    const groupId = serviceGroupId(config, TIMER_SERVICE_GROUP);
    const timers = createTimerService({
      log,
      topics,
      db: store.db,
      logger,
      groupId,
      pollIntervalMs: config.TIMER_POLL_INTERVAL_MS,
      lingerMs: config.TIMER_LINGER_MS,
    });
    await timers.start();
    resources.push('timer-service', () => timers.stop());
    return { group_id: groupId };
  },
});
