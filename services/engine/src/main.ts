import { pino } from 'pino';
import { loadEngineConfig } from './config';
import { startEngine } from './engine';

/** `npm start`: the embedded engine. Config from the environment; SIGINT/SIGTERM stop it gracefully. */
const config = loadEngineConfig(process.env);
const logger = pino({ level: config.LOG_LEVEL, base: { service: 'engine' } });

try {
  const engine = await startEngine(config, logger);
  logger.info({ url: engine.url, data_dir: config.DATA_DIR }, `engine ready at ${engine.url}/api/v1`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    engine.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (e) {
  logger.fatal({ err: e }, 'engine failed to start');
  process.exit(1);
}
