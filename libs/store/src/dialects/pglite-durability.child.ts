/**
 * Child process for `pglite-durability.int.spec.ts`: opens the store on a data directory and
 * commits rows forever, printing `committed <n>` after each commit returns, until it is killed.
 * Usage: node --import tsx pglite-durability.child.ts <dataDir>
 */
import { migrateToLatest } from '../migrations/migrate';
import { insertAgent } from '../repositories/agents.repository';
import { saveProjectionCheckpoint } from '../repositories/projection-checkpoints.repository';
import { openPgliteStore } from './pglite-store';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: pglite-durability.child.ts <dataDir>');

const store = await openPgliteStore({ dataDir });
await migrateToLatest(store.db);
const last = await store.db
  .selectFrom('agents')
  .select((eb) => eb.fn.max('timeout_seconds').as('n'))
  .executeTakeFirst();
let n = (last?.n ?? 0) + 1;
process.stdout.write('ready\n');
for (;;) {
  await store.db.transaction().execute(async (trx) => {
    const inserted = await insertAgent(trx, {
      name: `agent-${n}`,
      url: `http://agent-${n}`,
      timeout_seconds: n,
    });
    if (!inserted.ok) throw inserted.error;
    await saveProjectionCheckpoint(trx, 'durability', { n });
  });
  process.stdout.write(`committed ${n}\n`);
  n++;
}
