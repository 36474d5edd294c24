import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import type { Database } from '../schema/database';
import type { Store } from '../store';
import { closeOnce } from './close-once';
import { callOn } from './database-function';
import { SerializedPGliteDialect } from './serialized-pglite-dialect';
import { TYPE_PARSERS } from './type-parsers';
import { WorkerPGlite } from './worker-pglite';

export interface PgliteStoreOptions {
  /** A directory on disk (created if missing, NodeFS); `undefined` keeps the database in memory. */
  readonly dataDir?: string;
  /**
   * Run PGlite on a worker thread (`WorkerPGlite`): its statements then stop nothing else the
   * process does. Default false (on the calling thread).
   */
  readonly worker?: boolean;
}

/**
 * Open the embedded store: PGlite (Postgres in WASM) behind the serialised Kysely dialect.
 *
 * Durability: PGlite writes through to the directory (no relaxed durability), so a commit that
 * returned survives the process being SIGKILLed. Reopening after a kill needs nothing special:
 * the `postmaster.pid` left behind is ignored by PGlite and Postgres replays its WAL on start
 * (see `pglite-durability.int.spec.ts`). Nothing prevents two processes from opening the same
 * directory at once; do not do that.
 */
export async function openPgliteStore(opts: PgliteStoreOptions = {}): Promise<Store> {
  const options = { parsers: { ...TYPE_PARSERS } };
  const dataDir = opts.dataDir === undefined ? undefined : resolve(opts.dataDir);
  if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
  let pglite: PGlite | WorkerPGlite;
  if (opts.worker) pglite = await WorkerPGlite.create(dataDir);
  else if (dataDir === undefined) pglite = await PGlite.create(options);
  else pglite = await PGlite.create(dataDir, options);
  const db = new Kysely<Database>({ dialect: new SerializedPGliteDialect({ pglite }) });
  return {
    db,
    call: pglite instanceof WorkerPGlite ? (fn, args, options) => pglite.call(fn, args, options) : callOn(db),
    close: closeOnce(async () => {
      await db.destroy();
      // Kysely only closes PGlite if a query ever ran; close it ourselves otherwise.
      if (!pglite.closed) await pglite.close();
    }),
  };
}
