import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  createAgentBridge,
  registryCircuitBreaker,
  storeAgentDirectory,
  storeCircuitTransitions,
} from '@weft/agent-bridge';
import { eventTypeOf } from '@weft/eventlog';
import { createMemoryKv } from '@weft/kv';
import { createApp, pushedRunWatch } from '@weft/api';
import { RUN_ENDING_EVENT_TYPES, topicNames, type Logger } from '@weft/contracts';
import { createProjectionWriter, startDlqRetention } from '@weft/projection-writer';
import { createStepScheduler } from '@weft/step-scheduler';
import { createTimerService } from '@weft/timer-service';
import { migrateToLatest, openPgliteStore } from '@weft/store';
import type { EngineConfig } from './config';
import { lockDataDir } from './data-dir-lock';
import { openEventLog } from './event-log-choice';
import { closeServer, listen, listeningPort } from './http-server';
import { DATABASE_LOG_HOT_TABLES, startEmbeddedMaintenance } from './embedded-maintenance';

/** The projection takes this many events without lingering first (a fan-out's steps, a busy engine). */
const PROJECTION_LINGER_RECORDS = 100;

export interface Engine {
  /** The API's base URL once listening. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * The embedded default: every service in one process on the embedded adapters (the event log an
 * append-only file, the store PGlite on a worker thread, both under DATA_DIR). Starts in
 * dependency order, stops in reverse.
 */
export async function startEngine(config: EngineConfig, logger: Logger): Promise<Engine> {
  const stack: { name: string; close: () => Promise<unknown> }[] = [];
  const stop = async () => {
    while (stack.length > 0) {
      const { name, close } = stack.pop()!;
      try {
        await close();
      } catch (e) {
        logger.error({ err: e, component: name }, 'error while stopping');
      }
    }
  };
  try {
    const lock = await lockDataDir(config.DATA_DIR);
    stack.push({ name: 'data-dir-lock', close: () => lock.release() });

    const store = await openPgliteStore({ dataDir: join(config.DATA_DIR, 'pg'), worker: true });
    stack.push({ name: 'store', close: () => store.close() });
    await migrateToLatest(store.db);
    const maintenance = startEmbeddedMaintenance(store.db, logger.child({ component: 'maintenance' }), {
      moreTables: config.EVENT_LOG === 'database' ? DATABASE_LOG_HOT_TABLES : [],
    });
    stack.push({ name: 'maintenance', close: () => maintenance.stop() });

    const topics = topicNames(config.TOPIC_PREFIX);
    const log = await openEventLog(config, store.db, {
      compactedTopics: [topics.runState],
      onError: (err, where) => logger.error({ err, where }, 'event log error'),
    });
    stack.push({ name: 'event-log', close: () => log.close() });

    const scheduler = createStepScheduler({
      log,
      topics,
      logger: logger.child({ service: 'step-scheduler' }),
    });
    await scheduler.start();
    stack.push({ name: 'step-scheduler', close: () => scheduler.stop() });

    // Clients waiting on a run (`GET /runs/:id?wait_ms=`) are answered as its events are applied.
    const runWatch = pushedRunWatch();
    const projections = createProjectionWriter({
      log,
      topics,
      db: store.db,
      // Batches are applied on PGlite's worker thread, beside the database.
      call: store.call,
      // The long poll answers when a run has ended, with the row the projection read.
      onRunsEnded: (runs) => runWatch.ended(runs),
      lingerMs: config.PROJECTION_LINGER_MS,
      // A run's last event is projected at once: a client may be waiting for it (the long poll).
      lingerUnless: (record) => RUN_ENDING_EVENT_TYPES.has(eventTypeOf(record) ?? ''),
      // A batch that is large already goes at once (a fan-out's hundred steps).
      lingerMinRecords: PROJECTION_LINGER_RECORDS,
      // A batch is applied while its events are still on their way to disk; it commits once
      // they are there.
      beforeDurable: true,
      logger: logger.child({ service: 'projection-writer' }),
    });
    await projections.start();
    stack.push({ name: 'projection-writer', close: () => projections.stop() });
    const retention = startDlqRetention({
      db: store.db,
      retentionDays: config.DLQ_RETENTION_DAYS,
      intervalMs: config.DLQ_RETENTION_INTERVAL_MS,
      logger: logger.child({ component: 'dlq-retention' }),
    });
    stack.push({ name: 'dlq-retention', close: () => retention.stop() });

    const timers = createTimerService({
      log,
      topics,
      db: store.db,
      lingerMs: config.TIMER_LINGER_MS,
      logger: logger.child({ service: 'timer-service' }),
    });
    await timers.start();
    stack.push({ name: 'timer-service', close: () => timers.stop() });

    const agents = storeAgentDirectory(store.db, 1000);
    // One process: the breakers' state lives in memory (the Redis adapter is for several bridges).
    const kv = createMemoryKv();
    stack.push({ name: 'kv', close: () => kv.close() });
    const breaker = registryCircuitBreaker(kv, store.db);
    const bridge = createAgentBridge({
      log,
      topics,
      agents,
      breaker,
      onTransition: storeCircuitTransitions(store.db),
      maxInFlight: config.AGENT_MAX_IN_FLIGHT,
      logger: logger.child({ service: 'agent-bridge' }),
    });
    await bridge.start();
    stack.push({ name: 'agent-bridge', close: () => bridge.stop() });

    let ready = false;
    const app = createApp({
      db: store.db,
      log,
      topics,
      logger: logger.child({ service: 'api' }),
      now: () => new Date(),
      newRunId: randomUUID,
      maxBodyBytes: config.MAX_BODY_BYTES,
      breaker,
      isReady: () => ready,
      runWatch,
    });
    const server = await listen(app.fetch, config.HOST, config.PORT);
    stack.push({ name: 'http', close: () => closeServer(server) });
    const port = listeningPort(server, config.PORT);
    ready = true;
    return { url: `http://${config.HOST}:${port}`, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
