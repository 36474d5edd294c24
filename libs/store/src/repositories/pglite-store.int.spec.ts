import { openPgliteStore } from '../dialects/pglite-store';
import { storeContract } from './store.contract';

storeContract('PGlite (in memory)', async () => {
  const store = await openPgliteStore();
  return { store, dispose: () => store.close() };
});
