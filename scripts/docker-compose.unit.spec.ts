import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadAgentBridgeConfig } from '../services/agent-bridge/src/config';
import { loadApiConfig } from '../services/api/src/config';
import { loadProjectionWriterConfig } from '../services/projection-writer/src/config';
import { loadStepSchedulerConfig } from '../services/step-scheduler/src/config';
import { loadTimerServiceConfig } from '../services/timer-service/src/config';
import { serviceNodeArgs } from '../libs/testing/src/service-process';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

/**
 * docker-compose.yml cannot run on a machine without a Docker engine, so this keeps it honest:
 * it parses, runs every service with an environment that service accepts, uses the Kafka release
 * and broker settings of deploy/local/kafka.sh, and the Dockerfile installs every workspace.
 */
const root = join(import.meta.dirname, '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: unknown;
  build?: { context: string; dockerfile: string };
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const services = compose.services;

const loaders: Record<string, (env: NodeJS.ProcessEnv) => unknown> = {
  api: loadApiConfig,
  'agent-bridge': loadAgentBridgeConfig,
  'projection-writer': loadProjectionWriterConfig,
  'step-scheduler': loadStepSchedulerConfig,
  'timer-service': loadTimerServiceConfig,
};

/** The services that run alone: every `services/<name>` with a main.ts, but the embedded engine. */
const distributed = readdirSync(join(root, 'services')).filter(
  (name) => name !== 'engine' && existsSync(join(root, 'services', name, 'src', 'main.ts')),
);

/** `key=value` lines of the broker config deploy/local/kafka.sh writes, without shell variables. */
function localBrokerSettings(): Map<string, string> {
  const script = read('deploy/local/kafka.sh');
  const block = /cat >"\$config" <<EOF\n([\s\S]*?)\nEOF/.exec(script)?.[1];
  if (!block) throw new Error('broker config block not found in deploy/local/kafka.sh');
  const settings = new Map<string, string>();
  for (const line of block.split('\n')) {
    const m = /^([a-z.]+)=([^$]*)$/.exec(line);
    if (m) settings.set(m[1]!, m[2]!);
  }
  return settings;
}

describe('docker-compose.yml', () => {
  it('has Kafka, Postgres, Redis with health checks, and every distributed service', () => {
    for (const infra of ['kafka', 'postgres', 'redis']) expect(services[infra]?.healthcheck).toBeDefined();
    expect(distributed.sort()).toEqual(Object.keys(loaders).sort());
    for (const name of distributed) {
      const service = services[name];
      expect(service, name).toBeDefined();
      expect(service!.build?.dockerfile).toBe('deploy/docker/Dockerfile');
      expect(Object.keys(service!.depends_on ?? {}).sort()).toEqual(['kafka', 'postgres', 'redis']);
    }
  });

  it("runs each service with its npm script and an environment that service's config accepts", () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const name of distributed) {
      const service = services[name]!;
      expect(service.command).toEqual(['npm', 'run', `start:${name}`]);
      expect(scripts[`start:${name}`], name).toBe(['node', ...serviceNodeArgs(name)].join(' '));
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([k, v]) => [k, String(v)]),
      );
      expect(() => loaders[name]!(env), name).not.toThrow();
      const unknown = Object.keys(env).filter((k) => !k.startsWith('NODE_'));
      // Every variable set is one the service reads (a typo would be silently ignored).
      const accepted = loaders[name]!(env) as Record<string, unknown>;
      for (const key of unknown) expect(accepted, `${name}: ${key}`).toHaveProperty(key);
    }
  });

  it('runs the Kafka release and the broker settings of deploy/local/kafka.sh', () => {
    const version = /version="\$\{KAFKA_VERSION:-([0-9.]+)\}"/.exec(read('deploy/local/kafka.sh'))?.[1];
    expect(services['kafka']!.image).toBe(`apache/kafka:${version}`);
    const local = localBrokerSettings();
    const env = services['kafka']!.environment ?? {};
    const same = [
      'process.roles',
      'node.id',
      'listener.security.protocol.map',
      'inter.broker.listener.name',
      'controller.listener.names',
      'num.partitions',
      'default.replication.factor',
      'min.insync.replicas',
      'offsets.topic.replication.factor',
      'transaction.state.log.replication.factor',
      'transaction.state.log.min.isr',
      'group.initial.rebalance.delay.ms',
      'auto.create.topics.enable',
    ];
    for (const key of same) {
      const variable = `KAFKA_${key.toUpperCase().replaceAll('.', '_')}`;
      expect(local.get(key), key).toBeDefined();
      expect(String(env[variable]), variable).toBe(local.get(key));
    }
  });

  it('builds from a Dockerfile that installs every workspace package', () => {
    const dockerfile = read('deploy/docker/Dockerfile');
    for (const dir of ['libs', 'services']) {
      for (const name of readdirSync(join(root, dir))) {
        if (!existsSync(join(root, dir, name, 'package.json'))) continue;
        expect(dockerfile, `${dir}/${name}`).toContain(`COPY ${dir}/${name}/package.json ${dir}/${name}/`);
      }
    }
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toContain('npm ci');
  });
});
