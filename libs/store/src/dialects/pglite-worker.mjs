// @ts-check
/**
 * PGlite on a worker thread (see `worker-pglite.ts`, which starts it and speaks to it). Plain
 * JavaScript, so it loads the same under tsx, vitest and plain Node.
 *
 * Requests: { id, op: 'open' | 'query' | 'begin' | 'commit' | 'rollback' | 'call' | 'close', ... }.
 * Answers: { id, ok: true, result } or { id, ok: false, error: { message, ...own properties } }.
 * Values of the types in `workerData.rawTypes` come back as Postgres' text; the main thread
 * parses them (parsers are functions, which cannot cross threads).
 *
 * `call` runs a database function (`database-function.ts`) here: `{ module, name, args }`, the
 * module imported with tsx (once per module) and its export `name` run on this PGlite. A call's
 * transactions and the main thread's take turns: PGlite runs a plain query, like a transaction,
 * only while no transaction is open. A call with `gated: true` may commit only once a message
 * `{ op: 'allow', call: <its id>, refused?: <why not> }` (not answered) says so: until then its
 * `commitAllowed()` waits.
 *
 * Every statement, the main thread's and the database functions', goes through one statement
 * cache (`prepared-statements.mjs`): one seen before is sent as `EXECUTE` of a prepared statement.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { tsImport } from 'tsx/esm/api';
import { statementCache } from './prepared-statements.mjs';
import { routeQueries } from './route-queries.mjs';

if (!parentPort) throw new Error('pglite-worker.mjs must run on a worker thread');
const port = parentPort;

/** @type {Record<number, (text: string) => string>} */
const parsers = Object.fromEntries(
  /** @type {number[]} */ (workerData.rawTypes).map((oid) => [oid, (/** @type {string} */ text) => text]),
);

/** @type {import('@electric-sql/pglite').PGlite | undefined} */
let db;
/** Every statement of this worker goes through it (see `prepared-statements.mjs`). */
const statements = statementCache();
/**
 * The PGlite that database functions are given: the same database, its statements prepared.
 * @type {any}
 */
let forCalls;

/**
 * Open transactions by id: PGlite's exclusive `transaction()`, held open until commit/rollback.
 * @type {Map<number, { tx?: import('@electric-sql/pglite').Transaction, finish?: (commit: boolean) => void, done?: Promise<unknown> }>}
 */
const transactions = new Map();
let nextTransaction = 1;

/**
 * Gated calls by request id, until their function is done: what `allow` settles.
 * @type {Map<number, { resolve: () => void, reject: (e: Error) => void }>}
 */
const gates = new Map();

/** @param {number} id @returns {{ commitAllowed: () => Promise<void> }} */
function gatedContext(id) {
  /** @type {Promise<void>} */
  const allowed = new Promise((resolve, reject) => gates.set(id, { resolve: () => resolve(), reject }));
  allowed.catch(() => {});
  return { commitAllowed: () => allowed };
}

/** The modules of database functions, each imported once. @type {Map<string, Promise<Record<string, any>>>} */
const modules = new Map();

/** @param {string} module @param {string} name */
async function loadDatabaseFunction(module, name) {
  let loading = modules.get(module);
  if (!loading) modules.set(module, (loading = tsImport(module, import.meta.url)));
  const fn = (await loading)[name];
  if (typeof fn?.runOnPGlite !== 'function')
    throw new Error(`${module} exports no database function ${name}`);
  return fn;
}

/** @param {unknown} e */
function describe(e) {
  if (!(e instanceof Error)) return { message: String(e) };
  /** @type {Record<string, unknown>} */
  const out = { message: e.message, name: e.name };
  for (const [k, v] of Object.entries(e)) {
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
  }
  return out;
}

/** @param {any} msg */
async function handle(msg) {
  switch (msg.op) {
    case 'open':
      db =
        msg.dataDir === undefined
          ? await PGlite.create({ parsers })
          : await PGlite.create(msg.dataDir, { parsers });
      forCalls = routeQueries(db, statements.query);
      return null;
    case 'query': {
      if (!db) throw new Error('database is not open');
      const target = msg.tx === undefined ? db : transactions.get(msg.tx)?.tx;
      if (!target) throw new Error(`transaction ${msg.tx} is not open`);
      const { rows, affectedRows, fields } = await statements.query(
        target,
        msg.sql,
        msg.params,
        { rowMode: 'object' },
        msg.tx !== undefined,
      );
      return { rows, affectedRows, fields };
    }
    case 'call': {
      // The gate is set up before anything is awaited: its `allow` may be the next message.
      const ctx = msg.gated ? gatedContext(msg.id) : undefined;
      try {
        if (!db) throw new Error('database is not open');
        return await (await loadDatabaseFunction(msg.module, msg.name)).runOnPGlite(forCalls, msg.args, ctx);
      } finally {
        gates.delete(msg.id);
      }
    }
    case 'begin': {
      if (!db) throw new Error('database is not open');
      const id = nextTransaction++;
      /** @type {{ tx?: any, finish?: (commit: boolean) => void, done?: Promise<unknown> }} */
      const entry = {};
      transactions.set(id, entry);
      await new Promise((began, failed) => {
        entry.done = /** @type {import('@electric-sql/pglite').PGlite} */ (db)
          .transaction(async (tx) => {
            entry.tx = tx;
            began(undefined);
            const commit = await new Promise((resolve) => (entry.finish = resolve));
            if (!commit) await tx.rollback();
          })
          .catch((e) => {
            failed(e);
            throw e;
          });
        entry.done.catch(() => {});
      });
      return id;
    }
    case 'commit':
    case 'rollback': {
      const entry = transactions.get(msg.tx);
      if (!entry?.finish) throw new Error(`transaction ${msg.tx} is not open`);
      transactions.delete(msg.tx);
      entry.finish(msg.op === 'commit');
      if (msg.op === 'commit') await entry.done;
      else await entry.done?.catch(() => {});
      return null;
    }
    case 'close':
      if (db && !db.closed) await db.close();
      return null;
    default:
      throw new Error(`unknown request ${String(msg.op)}`);
  }
}

port.on('message', (msg) => {
  if (msg.op === 'allow') {
    const gate = gates.get(msg.call);
    gates.delete(msg.call);
    if (msg.refused === undefined) gate?.resolve();
    else gate?.reject(new Error(`commit refused: ${msg.refused}`));
    return;
  }
  handle(msg).then(
    (result) => port.postMessage({ id: msg.id, ok: true, result }),
    (e) => port.postMessage({ id: msg.id, ok: false, error: describe(e) }),
  );
});
