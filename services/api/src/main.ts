import { randomUUID } from 'node:crypto';
import { registryCircuitBreaker } from '@weft/agent-bridge';
import { topicNames } from '@weft/contracts';
import {
  closeServer,
  listen,
  listeningPort,
  openServiceEventLog,
  openServiceKv,
  openServiceStore,
  runService,
  serviceGroupId,
} from '@weft/engine';
import { createApp } from './app';
import { registryCache, REGISTRY_CACHE_MS } from './registry-cache';
import { notifiedRunWatch } from './run-watch';
import { loadApiConfig } from './config';
import { createStartRequestIngress, INGRESS_GROUP } from './start-request-ingress';

/**
 * `npm run start:api`: the HTTP API as its own process, on Kafka, Postgres and Redis (the agents'
 * circuits: `GET /agents/{name}/circuit`, `POST …/circuit/reset`), with the
 * start-request ingress (`wf.start-requests` → StartRun commands) unless INGRESS_ENABLED=false.
 */
await runService({
  name: 'api',
  loadConfig: loadApiConfig,
  async start({ config, logger, resources }) {
    const topics = topicNames(config.TOPIC_PREFIX);
    const store = await resources.open('store', () => openServiceStore(config, logger));
    const log = await resources.open('event-log', () => openServiceEventLog(config, 'api', logger));
    const kv = await resources.open('redis', () => openServiceKv(config, logger));
    const breaker = registryCircuitBreaker(kv, store.db);
    // One registry cache for the routes and the ingress: the routes' registry writes clear it for both.
    const startDeps = {
      db: store.db,
      now: () => new Date(),
      newRunId: randomUUID,
      registry: registryCache(REGISTRY_CACHE_MS),
    };

    let ingressGroup: string | undefined;
    if (config.INGRESS_ENABLED) {
      ingressGroup = serviceGroupId(config, INGRESS_GROUP);
      const ingress = createStartRequestIngress({
        ...startDeps,
        log,
        topics,
        logger: logger.child({ component: 'ingress' }),
        groupId: ingressGroup,
      });
      await ingress.start();
      resources.push('ingress', () => ingress.stop());
    }

    const runWatch = notifiedRunWatch({
      db: store.db,
      connectionString: config.DATABASE_URL,
      logger: logger.child({ component: 'run-watch' }),
    });
    resources.push('run-watch', () => runWatch.close());
    let ready = false;
    const app = createApp({
      ...startDeps,
      log,
      topics,
      logger,
      maxBodyBytes: config.MAX_BODY_BYTES,
      breaker,
      isReady: () => ready,
      runWatch,
    });
    const server = await listen(app.fetch, config.HOST, config.PORT);
    resources.push('http', async () => {
      ready = false;
      await closeServer(server);
    });
    ready = true;
    const url = `http://${config.HOST}:${listeningPort(server, config.PORT)}`;
    return { url: `${url}/api/v1`, ingress_group: ingressGroup ?? null };
  },
});
