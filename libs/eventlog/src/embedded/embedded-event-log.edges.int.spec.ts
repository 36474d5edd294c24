import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { openPgliteStore, type Store } from '@weft/store';
import { waitFor } from '@weft/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventLog, OutgoingRecord } from '../event-log.port';
import { openEmbeddedEventLog } from './embedded-event-log';

/**
 * Records the kind of each statement executed (BEGIN/COMMIT are not counted). Builders embedded
 * in a statement pass through `transformQuery` too, so a kind is recorded once its result is in.
 */
class StatementCounter implements KyselyPlugin {
  readonly kinds: string[] = [];
  readonly #pending = new WeakMap<object, string>();
  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    this.#pending.set(queryId, node.kind);
    return node;
  }
  async transformResult({ result, queryId }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.kinds.push(this.#pending.get(queryId) ?? 'unknown');
    return result;
  }
}

let dir: string;
let store: Store;
let log: EventLog;
const counter = new StatementCounter();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'weft-log-edges-'));
  store = await openPgliteStore({ dataDir: dir });
  log = await openEmbeddedEventLog({
    db: store.db.withPlugin(counter),
    compactedTopics: ['state'],
    idlePollMs: 100,
  });
});

afterEach(async () => {
  await log.close();
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const records = (topic: string, n: number, from = 0): OutgoingRecord[] =>
  Array.from({ length: n }, (_, i) => ({ topic, key: `k${(from + i) % 5}`, value: `v${from + i}` }));

/** Consume `topic` transactionally, turning each record into a state write and an output record. */
async function transform(input: string, expected: number, maxBatchSize?: number) {
  const seen: string[] = [];
  let batches = 0;
  const handle = await log.consumeTransactional(
    { groupId: 'tx', topics: [input], ...(maxBatchSize === undefined ? {} : { maxBatchSize }) },
    async (batch, tx) => {
      batches++;
      tx.send(
        batch.records.flatMap((r) => [
          { topic: 'out', key: r.key, value: r.value },
          { topic: 'state', key: r.key, value: r.value },
          { topic: 'state', key: `gone-${r.key}`, value: null },
        ]),
      );
      for (const r of batch.records) seen.push(r.value);
    },
  );
  await waitFor(() => seen.length >= expected, { timeoutMs: 10_000 });
  await handle.stop();
  return { seen, batches };
}

describe('embedded event log, beyond the contract', () => {
  it('a transactional batch — records, compacted writes, tombstones and the position — is one statement', async () => {
    await log.produce(records('in', 1)); // the topics' next offsets become known
    await log.produce(records('out', 1));
    await transform('in', 1);
    await log.produce(records('in', 40, 1));
    const before = counter.kinds.length;
    const { seen, batches } = await transform('in', 40);
    expect(seen).toHaveLength(40);
    // One statement per batch (a WITH of inserts and deletes), none per table; the consumer's
    // start reads its position (a select).
    const kinds = counter.kinds.slice(before);
    expect(kinds.filter((k) => k !== 'SelectQueryNode')).toEqual(Array(batches).fill('RawNode'));
    const state = await log.readCompacted('state');
    expect([...state.keys()].sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
    expect(state.get('k0')).toBe('v40');
  });

  it('lingerMs: a consumer waits before each fetch, so appends made meanwhile come in one batch', async () => {
    const batches: string[][] = [];
    const handle = await log.consume({ groupId: 'slow', topics: ['lingering'], lingerMs: 500 }, async (b) => {
      batches.push(b.records.map((r) => r.value));
    });
    try {
      await log.produce(records('lingering', 1));
      await log.produce(records('lingering', 1, 1));
      await log.produce(records('lingering', 1, 2));
      await waitFor(() => batches.flat().length >= 3, { timeoutMs: 10_000 });
    } finally {
      await handle.stop();
    }
    expect(batches).toEqual([['v0', 'v1', 'v2']]);
  });

  it('what does not fit one statement (over 500 rows) takes a transaction, with the same result', async () => {
    await log.produce(records('in', 1));
    await log.produce(records('out', 1));
    await transform('in', 1);
    await log.produce(records('in', 600, 1));
    // One batch of 600 records writes 600 output rows: more than one statement takes.
    const before = counter.kinds.length;
    const { seen } = await transform('in', 600, 600);
    expect(seen).toHaveLength(600);
    expect(counter.kinds.slice(before)).toContain('InsertQueryNode');
    const out: string[] = [];
    const handle = await log.consume(
      { groupId: 'reader', topics: ['out'], fromBeginning: true },
      async (b) => {
        for (const r of b.records) out.push(r.value);
      },
    );
    await waitFor(() => out.length >= 602, { timeoutMs: 10_000 });
    await handle.stop();
    // The record produced to `out` directly, the first transform's, then this one's 600.
    expect(out).toEqual(['v0', 'v0', ...Array.from({ length: 600 }, (_, i) => `v${i + 1}`)]);
    // The position moved past every record: a new member of the group gets nothing again.
    const again: string[] = [];
    const second = await log.consumeTransactional({ groupId: 'tx', topics: ['in'] }, async (b) => {
      for (const r of b.records) again.push(r.value);
    });
    await log.produce(records('in', 1, 999));
    await waitFor(() => again.length >= 1, { timeoutMs: 10_000 });
    await second.stop();
    expect(again).toEqual(['v999']);
  });
});
