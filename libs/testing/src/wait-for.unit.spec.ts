import { describe, expect, it } from 'vitest';
import { waitFor } from './wait-for';

describe('waitFor', () => {
  it('returns the first truthy value of the probe', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls >= 3 ? { calls } : undefined), { intervalMs: 1 });
    expect(value).toEqual({ calls: 3 });
  });

  it('awaits async probes and treats a throwing probe as not ready', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        if (++calls < 3) throw new Error('not yet');
        return 'ready';
      },
      { intervalMs: 1 },
    );
    expect(value).toBe('ready');
  });

  it('times out with the message and the last value', async () => {
    let n = 0;
    await expect(
      waitFor(() => (n++, 0), { timeoutMs: 30, intervalMs: 5, message: 'counter never positive' }),
    ).rejects.toThrow(/^counter never positive \(after 30 ms; last value: 0\)$/);
    expect(n).toBeGreaterThan(1);
  });

  it('reports the last error a throwing probe raised', async () => {
    const failure = waitFor(
      () => {
        throw new Error('still broken');
      },
      { timeoutMs: 20, intervalMs: 5 },
    );
    await expect(failure).rejects.toThrow(/waitFor timed out .*still broken/);
  });
});
