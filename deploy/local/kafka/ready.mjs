// Exit 0 once the Kafka broker at argv[2] answers a Kafka request (DescribeCluster through kafkajs),
// 1 otherwise. Used by deploy/local/kafka.sh; plain JavaScript so it runs without tsx.
import { Kafka, logLevel } from 'kafkajs';

const broker = process.argv[2] ?? '127.0.0.1:19092';
const timeoutMs = Number(process.argv[3] ?? 5000);
const admin = new Kafka({
  clientId: 'weft-infra-ready',
  brokers: [broker],
  logLevel: logLevel.NOTHING,
  connectionTimeout: Math.min(timeoutMs, 3000),
  requestTimeout: timeoutMs,
  retry: { retries: 0 },
}).admin();

const timer = setTimeout(() => {
  process.stderr.write(`kafka at ${broker}: no answer within ${timeoutMs} ms\n`);
  process.exit(1);
}, timeoutMs);

try {
  await admin.connect();
  const cluster = await admin.describeCluster();
  if (cluster.brokers.length === 0) throw new Error('no broker registered yet');
  await admin.disconnect();
  clearTimeout(timer);
} catch (error) {
  process.stderr.write(`kafka at ${broker}: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
