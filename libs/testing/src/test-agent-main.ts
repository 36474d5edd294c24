import { parseArgs } from 'node:util';
import { behaviourForMethodName } from './method-name-behaviours';
import { startTestAgent } from './test-agent';

/**
 * Standalone test agent: `npx tsx libs/testing/src/test-agent-main.ts --port 9100 [--host 0.0.0.0]`.
 * Echoes every method except the name-selected behaviours of `behaviourForMethodName`.
 */
const { values } = parseArgs({
  options: { port: { type: 'string', default: '9100' }, host: { type: 'string', default: '127.0.0.1' } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`invalid --port: ${values.port}`);
  process.exit(2);
}

const agent = await startTestAgent({ port, host: values.host, fallback: behaviourForMethodName });
console.log(`test agent listening on ${agent.url}`);

const shutdown = (): void => {
  void agent.close().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
