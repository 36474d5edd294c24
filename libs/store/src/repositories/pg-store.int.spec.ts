import { openTestSchemaStore } from '../test-support/postgres-test-schema';
import { storeContract } from './store.contract';

storeContract('Postgres (pg, fresh schema)', async () => {
  const store = await openTestSchemaStore('weft_contract_test');
  return { store, dispose: () => store.dispose() };
});
