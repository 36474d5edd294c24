import { topicNames } from '@weft/contracts';
import {
  openServiceEventLog,
  openServiceKv,
  openServiceStore,
  runService,
  serviceGroupId,
} from '@weft/engine';
import { AGENT_BRIDGE_GROUP, createAgentBridge } from './agent-bridge';
import { loadAgentBridgeConfig } from './config';
import { storeAgentDirectory } from './store-agent-directory';
import { registryCircuitBreaker } from './store-circuit-configs';
import { storeCircuitTransitions } from './store-circuit-transitions';

/**
 * `npm run start:agent-bridge`: the agent bridge as its own process, on Kafka and Postgres, with
 * the circuit breakers in Redis (shared by every bridge instance; calls go ahead while it is down).
 */
await runService({
  name: 'agent-bridge',
  loadConfig: loadAgentBridgeConfig,
  async start({ config, logger, resources }) {
    const topics = topicNames(config.TOPIC_PREFIX);
    const store = await resources.open('store', () => openServiceStore(config, logger));
    const log = await resources.open('event-log', () => openServiceEventLog(config, 'agent-bridge', logger));
    const kv = await resources.open('redis', () => openServiceKv(config, logger));
    const groupId = serviceGroupId(config, AGENT_BRIDGE_GROUP);
    const bridge = createAgentBridge({
      log,
      topics,
      agents: storeAgentDirectory(store.db, config.AGENT_DIRECTORY_TTL_MS),
      breaker: registryCircuitBreaker(kv, store.db),
      circuitClosedTrustMs: config.AGENT_CIRCUIT_TRUST_MS,
      onTransition: storeCircuitTransitions(store.db),
      maxInFlight: config.AGENT_MAX_IN_FLIGHT,
      logger,
      groupId,
    });
    await bridge.start();
    resources.push('agent-bridge', () => bridge.stop());
    return { group_id: groupId };
  },
});
