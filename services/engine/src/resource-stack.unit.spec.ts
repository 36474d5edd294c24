import { silentLogger } from '@weft/contracts';
import { describe, expect, it } from 'vitest';
import { ResourceStack } from './resource-stack';

describe('ResourceStack', () => {
  it('closes in reverse start order, once, and goes on past a failing close', async () => {
    const closed: string[] = [];
    const stack = new ResourceStack(silentLogger);
    stack.push('store', async () => void closed.push('store'));
    const log = await stack.open('log', async () => ({ close: async () => void closed.push('log') }));
    expect(log).toBeDefined();
    stack.push('broken', async () => {
      closed.push('broken');
      throw new Error('boom');
    });
    stack.push('http', async () => void closed.push('http'));

    const [first, second] = await Promise.all([stack.closeAll(), stack.closeAll()]);
    expect(closed).toEqual(['http', 'broken', 'log', 'store']);
    expect(first).toBe(false);
    expect(second).toBe(false);
    expect(() => stack.push('late', async () => {})).toThrow(/stopping/);
  });

  it('reports a clean stop when every close succeeds', async () => {
    const stack = new ResourceStack(silentLogger);
    stack.push('a', async () => {});
    expect(await stack.closeAll()).toBe(true);
  });
});
