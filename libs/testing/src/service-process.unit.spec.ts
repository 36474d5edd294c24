import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serviceNodeArgs } from './service-process';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

describe('serviceNodeArgs', () => {
  it('are the arguments of every start script, so tests and benchmarks run services as npm does', () => {
    const { scripts } = JSON.parse(readFileSync(resolve(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const starts = Object.entries(scripts).filter(([name]) => name === 'start' || name.startsWith('start:'));
    expect(starts.map(([name]) => name).sort()).toEqual([
      'start',
      'start:agent-bridge',
      'start:api',
      'start:projection-writer',
      'start:step-scheduler',
      'start:timer-service',
    ]);
    for (const [name, command] of starts) {
      const service = name === 'start' ? 'engine' : name.slice('start:'.length);
      expect(command).toBe(['node', ...serviceNodeArgs(service)].join(' '));
    }
  });
});
