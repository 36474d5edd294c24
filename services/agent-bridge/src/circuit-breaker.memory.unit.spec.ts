import { createMemoryKv } from '@weft/kv';
import { circuitBreakerContract } from './circuit-breaker.contract';

circuitBreakerContract('memory', async () => {
  let clock = 1_700_000_000_000;
  const store = createMemoryKv({ now: () => clock });
  return {
    openStore: async () => store,
    now: () => clock,
    advance: (ms) => {
      clock += ms;
    },
    dispose: () => store.close(),
  };
});
