import { topicNames } from '@weft/contracts';
import { openServiceEventLog, runService, serviceGroupId } from '@weft/engine';
import { loadStepSchedulerConfig } from './config';
import { createStepScheduler, STEP_SCHEDULER_GROUP } from './step-scheduler';

/** `npm run start:step-scheduler`: the step scheduler as its own process, on Kafka. */
await runService({
  name: 'step-scheduler',
  loadConfig: loadStepSchedulerConfig,
  async start({ config, logger, resources }) {
    const topics = topicNames(config.TOPIC_PREFIX);
    const log = await resources.open('event-log', () =>
      openServiceEventLog(config, 'step-scheduler', logger),
    );
    const groupId = serviceGroupId(config, STEP_SCHEDULER_GROUP);
    const scheduler = createStepScheduler({ log, topics, logger, groupId });
    await scheduler.start();
    resources.push('step-scheduler', () => scheduler.stop());
    return { group_id: groupId, runs: scheduler.size };
  },
});
