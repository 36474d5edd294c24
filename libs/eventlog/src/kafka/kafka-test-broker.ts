import { randomBytes } from 'node:crypto';
import { Kafka, KafkaJSDeleteGroupsError, logLevel, type Admin } from 'kafkajs';

/**
 * The broker the Kafka integration specs use: `KAFKA_BROKERS`, else deploy/local/kafka.sh's
 * default. Each spec file takes a run prefix so runs and tests never share topics or groups.
 */
export const testBrokers: readonly string[] = (
  process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? '19092'}`
)
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b.length > 0);

export function testRunPrefix(): string {
  return `weft-test.${randomBytes(4).toString('hex')}`;
}

export function testAdmin(clientId: string): Admin {
  return new Kafka({
    clientId,
    brokers: [...testBrokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    retry: { retries: 1, initialRetryTime: 200 },
  }).admin();
}

/** Connect, or fail saying how to start the broker. */
export async function connectOrExplain(admin: Admin): Promise<void> {
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Kafka is not reachable at ${testBrokers.join(',')} (KAFKA_BROKERS): run \`npm run infra:up\` ` +
        `(deploy/local/kafka.sh up) first. Cause: ${cause}`,
    );
  }
}

/**
 * Delete what one test created: its consumer groups, then its topics (they share its prefix). A
 * group without members or offsets is gone already (GROUP_ID_NOT_FOUND), which is fine.
 */
export async function deleteCreated(admin: Admin, prefix: string): Promise<void> {
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
  if (groups.length > 0) {
    const results = await admin.deleteGroups(groups).catch((error: unknown) => {
      if (error instanceof KafkaJSDeleteGroupsError) return error.groups;
      throw error;
    });
    const failed = results.filter((r) => r.error && r.error.type !== 'GROUP_ID_NOT_FOUND');
    if (failed.length > 0)
      throw new Error(`could not delete groups ${failed.map((r) => r.groupId).join(', ')}`);
  }
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length > 0) await admin.deleteTopics({ topics });
}
