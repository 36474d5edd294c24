import { createHash } from 'node:crypto';

/** Namespace of run ids derived from idempotency keys (a fixed random UUID). */
const RUN_ID_NAMESPACE = '6f1d2c3e-8a4b-4c5d-9e6f-7a8b9c0d1e2f';

/** RFC 4122 version-5 UUID of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string = RUN_ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The run id of a start request: derived from the idempotency key when there is one, so a repeated
 * request names the same run (and the scheduler starts it once).
 */
export function runIdFor(
  workflowId: string,
  idempotencyKey: string | undefined,
  random: () => string,
): string {
  return idempotencyKey === undefined ? random() : uuidV5(`${workflowId}\n${idempotencyKey}`);
}
