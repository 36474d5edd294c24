import { describe, expect, it } from 'vitest';
import { FifoMutex } from './fifo-mutex';

describe('FifoMutex', () => {
  it('grants the lock in arrival order and never to two holders', async () => {
    const mutex = new FifoMutex();
    const order: string[] = [];
    let holders = 0;
    const worker = async (name: string, yields: number) => {
      await mutex.lock();
      holders++;
      expect(holders).toBe(1);
      order.push(name);
      for (let i = 0; i < yields; i++) await Promise.resolve();
      holders--;
      mutex.unlock();
    };
    await Promise.all([worker('a', 5), worker('b', 0), worker('c', 3), worker('d', 1)]);
    expect(order).toEqual(['a', 'b', 'c', 'd']);
    expect(mutex.locked).toBe(false);
  });

  it('does not let a newcomer barge ahead of a queued waiter', async () => {
    const mutex = new FifoMutex();
    await mutex.lock();
    const order: string[] = [];
    const queued = mutex.lock().then(() => order.push('queued'));
    mutex.unlock();
    const newcomer = mutex.lock().then(() => order.push('newcomer'));
    await queued;
    mutex.unlock();
    await newcomer;
    mutex.unlock();
    expect(order).toEqual(['queued', 'newcomer']);
  });

  it('rejects an unlock without a lock (a bug in the caller)', () => {
    expect(() => new FifoMutex().unlock()).toThrow(/not locked/);
  });
});
