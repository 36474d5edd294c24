import { openPgliteStore } from '../dialects/pglite-store';
import { storeContract } from './store.contract';

storeContract('PGlite (in memory)', async () => {
  const store = await openPgliteStore();
  return { store, dispose: () => store.close() };
});

storeContract('PGlite on a worker thread (in memory)', async () => {
  const store = await openPgliteStore({ worker: true });
  return { store, dispose: () => store.close() };
});
