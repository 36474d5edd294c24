import { createRequire } from 'node:module';

interface CoordinatorLookup {
  readonly groupId: string;
  readonly coordinatorType?: number;
}

interface BrokerPrototype {
  findGroupCoordinator(this: unknown, lookup: CoordinatorLookup): Promise<unknown>;
}

/** How long a coordinator found for a group or transactional id is used without asking again. */
export const COORDINATOR_CACHE_MS = 1_000;

let installed = false;

/**
 * kafkajs asks a broker for the coordinator (FindCoordinator) every time it needs one: a
 * transaction's AddPartitionsToTxn, AddOffsetsToTxn, TxnOffsetCommit and EndTxn each cost one more
 * round trip, nearly doubling a transaction's (9 instead of 5). This keeps each answer for
 * COORDINATOR_CACHE_MS, process-wide. A coordinator that moved is found again within that time:
 * kafkajs retries the request that failed with NOT_COORDINATOR, and asks again once the answer
 * has expired.
 */
export function cacheCoordinatorLookups(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  const Broker = require('kafkajs/src/broker/index.js') as { prototype: BrokerPrototype };
  const find = Broker.prototype.findGroupCoordinator;
  const answers = new Map<string, { readonly at: number; readonly answer: Promise<unknown> }>();
  Broker.prototype.findGroupCoordinator = function (lookup: CoordinatorLookup) {
    const key = `${lookup.coordinatorType ?? 0}/${lookup.groupId}`;
    const now = Date.now();
    const known = answers.get(key);
    if (known && now - known.at < COORDINATOR_CACHE_MS) return known.answer;
    const answer = find.call(this, lookup);
    answers.set(key, { at: now, answer });
    answer.catch(() => {
      if (answers.get(key)?.answer === answer) answers.delete(key);
    });
    return answer;
  };
}
