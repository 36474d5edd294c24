import { pino } from 'pino';
import { isWeftError, type Logger } from '@weft/contracts';
import { ResourceStack } from './resource-stack';
import type { LogLevel } from './service-config';

export interface ServiceContext<C> {
  readonly config: C;
  readonly logger: Logger;
  /** Register everything started here: it is stopped in reverse order on SIGTERM/SIGINT. */
  readonly resources: ResourceStack;
}

export interface ServiceDefinition<C extends { readonly LOG_LEVEL: LogLevel }> {
  /** The service's name: the `service` field of every log line. */
  readonly name: string;
  /** Parse the environment; a throw stops the process (exit 1) with the message. */
  readonly loadConfig: (env: NodeJS.ProcessEnv) => C;
  /** Start the service; resolves to fields for the `service ready` log line. */
  readonly start: (ctx: ServiceContext<C>) => Promise<Record<string, unknown> | void>;
  /** Longest a stop may take before the process exits 1 anyway. Default 30 s. */
  readonly shutdownTimeoutMs?: number;
}

/** The log message a process writes once it is started (what process supervisors and tests wait for). */
export const SERVICE_READY_MESSAGE = 'service ready';

/**
 * The life of one service process (`services/<name>/src/main.ts`): read the config, start, log
 * `service ready`, and on SIGTERM or SIGINT stop everything in reverse start order and exit 0 (1 if
 * a part failed to stop or the stop outlasted `shutdownTimeoutMs`). A failed start exits 1 after
 * stopping what had started; a second signal exits 1 at once.
 */
export async function runService<C extends { readonly LOG_LEVEL: LogLevel }>(
  definition: ServiceDefinition<C>,
): Promise<void> {
  const logger = pino({ level: 'info', base: { service: definition.name, pid: process.pid } });
  let config: C;
  try {
    config = definition.loadConfig(process.env);
  } catch (e) {
    // A configuration problem is not a bug: its message names the variables, a stack adds nothing.
    if (isWeftError(e, 'VALIDATION_FAILED')) logger.fatal({ details: e.details }, e.message);
    else logger.fatal({ err: e }, 'could not read the configuration');
    process.exit(1);
  }
  logger.level = config.LOG_LEVEL;
  const resources = new ResourceStack(logger);

  let stopping = false;
  let starting: Promise<unknown> = Promise.resolve();
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal while stopping: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    setTimeout(() => {
      logger.error({ timeout_ms: definition.shutdownTimeoutMs ?? 30_000 }, 'stop took too long: exiting');
      process.exit(1);
    }, definition.shutdownTimeoutMs ?? 30_000).unref();
    void starting
      .catch(() => undefined)
      .then(() => resources.closeAll())
      .then((clean) => {
        logger.info({ clean }, 'stopped');
        process.exit(clean ? 0 : 1);
      });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  starting = definition.start({ config, logger, resources });
  try {
    const info = await starting;
    if (!stopping) logger.info({ ...(info ?? {}) }, SERVICE_READY_MESSAGE);
  } catch (e) {
    if (stopping) return; // the stop in progress closes what started and exits
    stopping = true;
    logger.fatal({ err: e }, 'failed to start');
    await resources.closeAll();
    process.exit(1);
  }
}
